"""A change set as statements: one per row, identifiers quoted, every value a parameter.

The same builder writes the statement that runs (`%s` / `?` placeholders) and
the one the preview shows (`$1`, with the values listed under it), so what the
user reviews is what runs. Each UPDATE and DELETE also matches the values the
user saw (lost-update check): a row changed since it was read matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from tui.formatting import clip
from tui.services.browse.editable import EditColumn, EditTarget
from tui.services.browse.edits import CellValue, ChangeSet, Default, InsertedRef, RowRef, SeenRow
from tui.services.browse.keyset import CELL_LIMIT

# Where a parameter goes, until the text is final: a `%` in a name must not read as a placeholder.
_MARK = "\x00"
_SQLITE_BLOB = re.compile(r"^[xX]'((?:[0-9a-fA-F]{2})*)'$")


def _hex_digits(text: str) -> str:
    return text[2:] if text[:2] in ("\\x", "\\X") else text


def bytea_text(text: str) -> str:
    """bytea is typed as hex, with or without `\\x`: `cafe` is the two bytes ca fe, never
    the four characters (sent as `\\x...` so bad digits get the server's refusal too)."""
    return "\\x" + _hex_digits(text.strip())


def bytea_refusal(column: EditColumn, text: str) -> str:
    """Why `text` is not hex for a bytea column ("" = it is, or the column is not bytea)."""
    if column.cast_type != "bytea":
        return ""
    digits = _hex_digits(text.strip())
    bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        return f"bytea is typed as hex (like cafe or \\xcafe): {bad!r} is not a hex digit"
    if len(digits) % 2:
        return f"bytea is typed as hex (like cafe or \\xcafe): an odd number of digits ({len(digits)})"
    return ""


@dataclass
class Statement:
    """One statement of a change set, for one row."""

    kind: str  # "update", "delete" or "insert"
    ref: RowRef
    text: str  # what runs: `%s` (psycopg) or `?` (sqlite3) placeholders
    params: list[Any]
    preview: str  # `$n` placeholders and the values under it
    columns: list[str] = field(default_factory=list)  # the columns it sets

    @property
    def checked(self) -> bool:
        """An UPDATE or DELETE must touch exactly its one row (else: changed since read)."""
        return self.kind != "insert"


class _Builder:
    """Collects parameters while a statement is composed, for one dialect or the preview."""

    def __init__(self, dialect: str, preview: bool) -> None:
        self.dialect, self.preview = dialect, preview
        self.params: list[Any] = []

    def param(self, value: Any) -> sql.Composable:
        self.params.append(value)
        if self.preview:
            return sql.SQL(f"${len(self.params)}")
        return sql.SQL(_MARK if self.dialect == "postgresql" else "?")

    def ident(self, name: str) -> sql.Composable:
        # SQLite's rowid resolves only unquoted (a column named "rowid" would shadow it).
        return sql.SQL("rowid") if self.dialect == "sqlite" and name == "rowid" else sql.Identifier(name)

    def value(self, column: EditColumn, value: CellValue) -> sql.Composable:
        """NULL, DEFAULT, or the text sent as a parameter cast to the column's type
        (the server parses it: a bad value gets the server's own message)."""
        if isinstance(value, Default):
            return sql.SQL("DEFAULT")
        if value is None:
            return sql.SQL("NULL")
        if self.dialect == "sqlite":
            blob = _SQLITE_BLOB.match(value) if "BLOB" in column.type.upper() else None
            return self.param(bytes.fromhex(blob.group(1)) if blob else value)
        if column.cast_type == "bytea":
            value = bytea_text(value)
        # cast_type is format_type()'s spelling from the catalog, not user input.
        return sql.SQL("{}::{}").format(self.param(value), sql.SQL(column.cast_type))

    def seen(self, column: str, value: str | None, cut: bool) -> sql.Composable:
        """The column still shows what the user saw: as the page displayed it, as text."""
        ident = sql.Identifier(column)
        if self.dialect == "sqlite":
            shown = sql.SQL("CASE WHEN typeof({c}) = 'blob' THEN 'x''' || hex({c}) || '''' "
                            "ELSE CAST({c} AS TEXT) END").format(c=ident)
            if cut:
                return sql.SQL("substr({}, 1, {}) = {}").format(shown, sql.Literal(CELL_LIMIT), self.param(value))
            return sql.SQL("{} IS {}").format(shown, self.param(value))
        if cut:
            return sql.SQL("left({}::text, {}) = {}").format(ident, sql.Literal(CELL_LIMIT), self.param(value))
        return sql.SQL("{}::text IS NOT DISTINCT FROM {}").format(ident, self.param(value))

    def where(self, target: EditTarget, seen: SeenRow) -> sql.Composable:
        """The row's key, and every other cell as it was seen."""
        key_values = seen.key[-len(target.key):]
        parts = [sql.SQL("{} = {}").format(self.ident(name), self.param(value))
                 for name, value in zip(target.key, key_values, strict=True)]
        for index, column in enumerate(target.relation.columns):
            if column.name not in target.key:
                parts.append(self.seen(column.name, seen.values[index], index in seen.cut))
        return sql.SQL(" AND ").join(parts)


def _update(b: _Builder, target: EditTarget, seen: SeenRow, cells: dict[str, CellValue]) -> sql.Composed:
    sets = [sql.SQL("{} = {}").format(b.ident(name), b.value(target.column(name), value))
            for name, value in cells.items()]
    return sql.SQL("UPDATE {} SET {} WHERE {}").format(
        target.relation.identifier, sql.SQL(", ").join(sets), b.where(target, seen))


def _delete(b: _Builder, target: EditTarget, seen: SeenRow) -> sql.Composed:
    return sql.SQL("DELETE FROM {} WHERE {}").format(target.relation.identifier, b.where(target, seen))


def _insert(b: _Builder, target: EditTarget, cells: dict[str, CellValue]) -> sql.Composed:
    if not cells:
        return sql.SQL("INSERT INTO {} DEFAULT VALUES").format(target.relation.identifier)
    names = [b.ident(name) for name in cells]
    values = [b.value(target.column(name), value) for name, value in cells.items()]
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        target.relation.identifier, sql.SQL(", ").join(names), sql.SQL(", ").join(values))


def param_text(value: Any, width: int = 70) -> str:
    """A parameter as the preview lists it: quoted text cut to `width`, NULL, numbers as they are."""
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return "x'" + value.hex() + "'"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    flat = clip(text.replace("\n", "⏎"), width)
    return "'" + flat.replace("'", "''") + "'" + (f"  ({len(text)} characters)" if len(text) > width else "")


def _statement(kind: str, ref: RowRef, target: EditTarget, build: Any, columns: list[str]) -> Statement:
    run, shown = _Builder(target.dialect, preview=False), _Builder(target.dialect, preview=True)
    text, preview_query = build(run).as_string(None), build(shown)
    if target.dialect == "postgresql":
        text = text.replace("%", "%%").replace(_MARK, "%s")
    lines = [preview_query.as_string(None) + ";"]
    lines += [f"    ${n} = {param_text(v)}" for n, v in enumerate(shown.params, start=1)]
    return Statement(kind, ref, text, run.params, "\n".join(lines), columns)


def change_statements(changes: ChangeSet) -> list[Statement]:
    """Deletes, then updates, then inserts: a key freed by a delete or an update
    can be taken by a later row in the same set."""
    target = changes.target
    statements: list[Statement] = []
    for key, seen in changes.deletes.items():
        statements.append(_statement("delete", key, target, lambda b, s=seen: _delete(b, target, s), []))
    for key, edit in changes.edits.items():
        if key in changes.deletes or not edit.cells:
            continue
        statements.append(_statement("update", key, target,
                                     lambda b, e=edit: _update(b, target, e.seen, e.cells), list(edit.cells)))
    for index, row in enumerate(changes.inserts):
        statements.append(_statement("insert", InsertedRef(index), target,
                                     lambda b, r=row: _insert(b, target, r.cells), list(row.cells)))
    return statements


def sql_preview(changes: ChangeSet, statements: list[Statement] | None = None) -> str:
    """The exact statements (`statements`, built from `changes` if not given), in one
    transaction, with their parameters listed."""
    body = "\n\n".join(s.preview for s in (statements if statements is not None else change_statements(changes)))
    return f"BEGIN;\n\n{body}\n\nCOMMIT;  -- all or nothing: any failure rolls every statement back"
