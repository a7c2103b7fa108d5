"""Saved-query files: SQL with `-- name: x` blocks, read and written back so that
everything a person wrote (comments, blank lines, the order) is kept.

    -- Our team's queries (text before the first block is kept as it is)

    -- name: latest_posts
    -- description: The newest posts of an author
    SELECT id, title FROM posts WHERE author_id = :author ORDER BY id DESC LIMIT 20;

Header lines right after `-- name:` are `-- key: value` (description, and for the
health pack: advice, versions, needs); the rest of the block is the statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

NAME_LINE = re.compile(r"^--[ \t]*name:[ \t]*(?P<name>.*?)[ \t]*$")
HEADER_LINE = re.compile(r"^--[ \t]*(?P<key>[a-z_]+):[ \t]?(?P<value>.*?)[ \t]*$")
VALID_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,99}$")
HEADER_KEYS = ("description", "advice", "versions", "needs")
MAX_FILE_BYTES = 2 * 1024 * 1024  # a queries file is a few KB; a bigger one is refused, not parsed


class SavedFileError(ValueError):
    """A saved-query file that does not parse: the file, the line and what is wrong."""

    def __init__(self, path: Path | None, message: str, line: int | None = None):
        where = f"{path}" if path else "saved queries"
        where += f", line {line}" if line else ""
        super().__init__(f"{where}: {message}")
        self.path, self.line = path, line


@dataclass(frozen=True)
class SavedQuery:
    """A named statement with its description (and, for the health pack, what to
    do when it looks bad, the server versions and extension it needs)."""

    name: str
    sql: str
    description: str = ""
    advice: str = ""
    versions: str = ""  # e.g. "13+" or "12"; empty: every version
    needs: str = ""  # an extension, e.g. "pg_stat_statements"
    scope: str = "project"  # "project", "profile" or "health"

    def runs_on(self, version_num: int) -> bool:
        """Whether the query is written for this server_version_num (0: unknown, yes)."""
        if not self.versions or not version_num:
            return True
        major = version_num // 10000
        low, plus, _ = self.versions.partition("+")
        if plus:
            return major >= int(low)
        first, dash, last = self.versions.partition("-")
        return int(first) <= major <= int(last) if dash else major == int(first)


@dataclass
class Block:
    """One `-- name:` block as it is in the file (`raw`), and what it means."""

    raw: str
    query: SavedQuery


@dataclass
class SavedFile:
    """A parsed file: the text before the first block, then the blocks."""

    path: Path | None = None
    preamble: str = ""
    blocks: list[Block] = field(default_factory=list)

    @property
    def queries(self) -> list[SavedQuery]:
        return [block.query for block in self.blocks]

    def get(self, name: str) -> SavedQuery | None:
        return next((b.query for b in self.blocks if b.query.name == name), None)

    def render(self) -> str:
        """The file's text: unchanged blocks byte for byte as they were read."""
        return self.preamble + "".join(block.raw for block in self.blocks)

    def upsert(self, query: SavedQuery) -> None:
        """Add the query, or replace the block of the same name where it stands."""
        if not VALID_NAME.match(query.name):
            raise SavedFileError(self.path, f"{query.name!r} is not a name: letters, digits, '_', '.' or '-'")
        for index, block in enumerate(self.blocks):
            if block.query.name == query.name:
                trailing = block.raw[len(block.raw.rstrip()):]
                self.blocks[index] = Block(render_block(query).rstrip() + (trailing or "\n"), query)
                return
        before = self.render()
        if before and not before.endswith("\n\n"):
            gap = "\n" if before.endswith("\n") else "\n\n"
            if self.blocks:
                last = self.blocks[-1]
                self.blocks[-1] = Block(last.raw + gap, last.query)
            else:
                self.preamble += gap
        self.blocks.append(Block(render_block(query), query))

    def remove(self, name: str) -> bool:
        """Drop the block of that name; False if there is none."""
        kept = [block for block in self.blocks if block.query.name != name]
        removed = len(kept) != len(self.blocks)
        self.blocks = kept
        return removed


def render_block(query: SavedQuery) -> str:
    """A new block's text: the name, the header lines that have a value, the statement."""
    lines = [f"-- name: {query.name}"]
    for key in HEADER_KEYS:
        value = " ".join(str(getattr(query, key)).split())
        if value:
            lines.append(f"-- {key}: {value}")
    body = query.sql.strip()
    if body and not body.endswith(";"):
        body += ";"
    return "\n".join(lines) + "\n" + body + "\n"


def parse_saved(text: str, path: Path | None = None, scope: str = "project") -> SavedFile:
    """Parse a saved-query file; raises SavedFileError (with the line) for a block
    without a valid name, a name used twice, or a block without a statement."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if NAME_LINE.match(line.rstrip("\r\n"))]
    parsed = SavedFile(path=path, preamble="".join(lines[:starts[0]]) if starts else text)
    seen: dict[str, int] = {}
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(lines)
        query = _parse_block(lines[start:end], start + 1, path, scope)
        if query.name in seen:
            raise SavedFileError(path, f"the name {query.name!r} is used twice (first on line {seen[query.name]})",
                                 start + 1)
        seen[query.name] = start + 1
        parsed.blocks.append(Block("".join(lines[start:end]), query))
    return parsed


def _parse_block(lines: list[str], first_line: int, path: Path | None, scope: str) -> SavedQuery:
    match = NAME_LINE.match(lines[0].rstrip("\r\n"))
    assert match is not None
    name = match.group("name")
    if not VALID_NAME.match(name):
        raise SavedFileError(path, f"`-- name: {name}`: a name is letters, digits, '_', '.' or '-' "
                                   "(at most 100)", first_line)
    headers: dict[str, str] = {}
    body_start = 1
    for line in lines[1:]:
        header = HEADER_LINE.match(line.rstrip("\r\n"))
        if header is None or header.group("key") not in HEADER_KEYS:
            break
        headers[header.group("key")] = header.group("value")
        body_start += 1
    sql = "".join(lines[body_start:]).strip()
    if sql.endswith(";"):
        sql = sql[:-1].rstrip()
    if not _has_statement(sql):
        raise SavedFileError(path, f"the query {name!r} has no statement", first_line)
    versions = headers.get("versions", "")
    if versions and not re.fullmatch(r"\d+(\+|-\d+)?", versions):
        raise SavedFileError(path, f"`-- versions: {versions}`: expected e.g. 13, 13+ or 12-14", first_line)
    return SavedQuery(name=name, sql=sql, scope=scope, **{k: v for k, v in headers.items() if k != "scope"})


def _has_statement(sql: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in sql.splitlines())


def read_saved(path: Path, scope: str) -> SavedFile:
    """The file at `path` (an empty SavedFile if it does not exist)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return SavedFile(path=path)
    if size > MAX_FILE_BYTES:
        raise SavedFileError(path, f"{size:,} bytes: a saved-query file is at most {MAX_FILE_BYTES:,}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SavedFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise SavedFileError(path, exc.strerror or str(exc)) from None
    return parse_saved(text, path, scope)


def with_scope(query: SavedQuery, scope: str) -> SavedQuery:
    """The same query in another scope (saved elsewhere)."""
    return replace(query, scope=scope)
