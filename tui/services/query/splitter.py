"""Split a buffer into statements with PostgreSQL's own lexer (libpg_query via pglast).

The lexer knows quotes, `E''` strings, dollar quoting and comments; on top of it
we track the blocks whose bodies contain semicolons: `BEGIN ATOMIC … END`
(PostgreSQL 14+ SQL functions) and SQLite's `CREATE TRIGGER … BEGIN … END`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pglast.parser import scan

SEMICOLON = "ASCII_59"
BACKSLASH = "ASCII_92"  # outside quotes and comments: a psql meta-command, to the end of its line
OPEN_PAREN, CLOSE_PAREN = "ASCII_40", "ASCII_41"
COMMENTS = ("SQL_COMMENT", "C_COMMENT")


@dataclass(frozen=True)
class Token:
    """A lexer token: its keyword name (e.g. SELECT, IDENT) and text span."""

    name: str
    start: int  # char offset in the buffer
    end: int  # exclusive


@dataclass(frozen=True)
class Statement:
    """One statement of the buffer, without its trailing semicolon; `meta` is the psql
    meta-command that ended it (`\\watch 2`), alone it has no text."""

    text: str
    start: int  # char offset of the first character in the buffer
    tokens: tuple[Token, ...]
    # Keyword-only: subclasses (BoundStatement) add positional fields of their own.
    meta: str = field(default="", kw_only=True)
    meta_end: int = field(default=0, kw_only=True)  # char offset just after the meta-command

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def extent_end(self) -> int:
        """Where the statement ends in the buffer, its meta-command included."""
        return max(self.end, self.meta_end) if self.meta else self.end

    @property
    def keywords(self) -> list[str]:
        """Token names outside comments, e.g. ['WITH', 'IDENT', 'AS', ...]."""
        return [t.name for t in self.tokens if t.name not in COMMENTS]


def _lex(text: str) -> list[Token] | None:
    try:
        return [Token(t.name, t.start, t.end + 1) for t in scan(text)]
    except Exception:  # noqa: BLE001 - e.g. an unterminated quote: no safe split exists
        return None


def split_statements(text: str) -> list[Statement]:
    """Every non-empty statement of `text`, in order, with its offset.

    An unterminated string or comment makes the rest one statement, so the
    server reports the error where it is.
    """
    tokens = _lex(text)
    if tokens is None:
        stripped = text.strip()
        return [Statement(stripped, text.index(stripped), ())] if stripped else []
    statements: list[Statement] = []
    current: list[Token] = []
    block_depth = case_depth = 0
    previous = ""
    meta_until = -1  # the rest of a meta-command's line is its arguments, not SQL
    for token in tokens:
        name = token.name
        if token.start < meta_until:
            continue
        if name == BACKSLASH and block_depth == 0:
            line_end = text.find("\n", token.start)
            meta_until = len(text) if line_end < 0 else line_end
            _close(text, current, statements, text[token.start:meta_until].strip(), token.start, meta_until)
            current, case_depth, previous = [], 0, ""
            continue
        if name == SEMICOLON and block_depth == 0:
            _close(text, current, statements)
            current, case_depth, previous = [], 0, ""
            continue
        current.append(token)
        if name == "CASE":
            case_depth += 1
        elif name == "END_P":
            if case_depth:
                case_depth -= 1
            elif block_depth:
                block_depth -= 1
        elif name == "ATOMIC" and previous == "BEGIN_P":
            block_depth += 1
        elif name == "BEGIN_P" and _in_sqlite_trigger(current):
            block_depth += 1
        if name not in COMMENTS:
            previous = name
    _close(text, current, statements)
    return statements


def _in_sqlite_trigger(tokens: list[Token]) -> bool:
    # SQLite: CREATE [TEMP] TRIGGER … BEGIN stmt; stmt; END
    names = [t.name for t in tokens[:4] if t.name not in COMMENTS]
    return bool(names) and names[0] == "CREATE" and "TRIGGER" in names


def _close(text: str, tokens: list[Token], into: list[Statement], meta: str = "", meta_start: int = 0,
           meta_end: int = 0) -> None:
    meaningful = [t for t in tokens if t.name not in COMMENTS]
    if not meaningful:
        if meta:  # a meta-command on its own (`\\c other`)
            into.append(Statement("", meta_start, (), meta=meta, meta_end=meta_end))
        return
    start, end = meaningful[0].start, tokens[-1].end
    # Keep comments that lead the statement out, trailing ones in.
    into.append(Statement(text[start:end], start,
                          tuple(t for t in tokens if t.start >= start), meta=meta, meta_end=meta_end))


def statement_at(statements: list[Statement], offset: int) -> Statement | None:
    """The statement under the cursor: the one containing `offset`, else the
    nearest one before it (the cursor often sits after the semicolon)."""
    before = None
    for statement in statements:
        if statement.start <= offset <= statement.extent_end:
            return statement
        if statement.extent_end <= offset:
            before = statement
    return before or (statements[0] if statements else None)


def make_room_for_statement(text: str, offset: int) -> tuple[int, str]:
    """Where to insert a statement near `offset` so it stands alone, and the text to
    put before it: never inside the statement under the cursor, on a line of its
    own, after a `;` when the statement before has none (`…'user5')select 'two';`
    would be one statement)."""
    for statement in split_statements(text):
        if statement.start < offset < statement.end:
            offset = statement.end  # inside a statement: go past it
    before = split_statements(text[:offset])
    prefix = ""
    if before and ";" not in text[before[-1].end:offset]:
        ends_in_comment = bool(before[-1].tokens) and before[-1].tokens[-1].name == "SQL_COMMENT"
        prefix = "\n;" if ends_in_comment else ";"
    at_line_start = offset == 0 or text[offset - 1] == "\n"
    if prefix or not at_line_start:
        prefix += "\n"
    return offset, prefix


def offset_to_location(text: str, offset: int) -> tuple[int, int]:
    """(line, column), both 0-based, of a char offset in `text`."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1)
    return line, column


def location_to_offset(text: str, line: int, column: int) -> int:
    """Char offset of a 0-based (line, column)."""
    lines = text.split("\n")
    line = max(0, min(line, len(lines) - 1))
    return sum(len(x) + 1 for x in lines[:line]) + min(column, len(lines[line]))
