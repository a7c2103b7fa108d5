"""Rows as clipboard text: TSV, CSV, Markdown, JSON or INSERT statements.

No Textual here: both grids hand over their columns and the selected rows (text,
None for NULL, as the grids hold them) and get back the text to copy. The text
stops at a size a terminal still accepts over OSC 52, and says how many rows it
holds.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from psycopg import sql

# Format key → what the user reads in the chooser.
FORMATS: dict[str, str] = {
    "tsv": "TSV (tab-separated, for spreadsheets)",
    "csv": "CSV",
    "markdown": "Markdown table",
    "json": "JSON (an array of objects)",
    "insert": "INSERT statements",
}
# Terminals drop OSC 52 payloads of a few MB (base64 makes them a third bigger).
COPY_LIMIT_CHARS = 1_000_000

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?\Z")
_SQLITE_BLOB = re.compile(r"x'[0-9A-Fa-f]*'\Z")
_BOOLEANS = {"t": True, "true": True, "f": False, "false": False}


@dataclass
class CopySource:
    """What the copied rows are: column names, their types where known, the table.

    `types` are the server's type names ("integer[]", "jsonb", "" when unknown);
    INSERTs cast each value to a known type. `table` is (schema, name).
    """

    columns: list[str]
    numeric: list[bool] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    table: tuple[str | None, str] = (None, "result")
    dialect: str = "postgresql"

    def __post_init__(self) -> None:
        width = len(self.columns)
        self.numeric = (self.numeric + [False] * width)[:width]
        self.types = (self.types + [""] * width)[:width]


@dataclass
class Copied:
    """The text to copy and how many of the rows it holds."""

    text: str
    rows: int
    total: int

    @property
    def capped(self) -> bool:
        return self.rows < self.total


def copy_rows(fmt: str, source: CopySource, rows: Iterable[list[str | None]], total: int,
              limit: int = COPY_LIMIT_CHARS) -> Copied:
    """`rows` (an iterable: only the rows that fit are read) as `fmt` text, cut
    before the row that would pass `limit` characters."""
    head, row_text, tail = _FORMATTERS[fmt](source)
    parts = [head] if head else []
    size, count = len(head) + len(tail), 0
    for row in rows:
        line = row_text(row)
        if count and size + len(line) + 2 > limit:  # +2: the line's joiner
            break
        parts.append(line)
        size += len(line) + 2
        count += 1
    if tail:
        parts.append(tail)
    joiner = ",\n" if fmt == "json" else "\n"
    if fmt == "json":
        body = joiner.join(parts[1:-1])
        return Copied(f"{head}\n{body}\n{tail}" if count else "[]", count, total)
    return Copied(joiner.join(parts), count, total)


# ---- each format: (header, one row, footer) --------------------------------------------------
def _delimited_field(value: str | None, delimiter: str) -> str:
    # NULL is an empty field, '' a quoted empty one (PostgreSQL's COPY … CSV reads both so).
    if value is None:
        return ""
    if value == "" or delimiter in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def _delimited(delimiter: str):  # type: ignore[no-untyped-def]
    def make(source: CopySource):  # type: ignore[no-untyped-def]
        def row(values: list[str | None]) -> str:
            return delimiter.join(_delimited_field(v, delimiter) for v in values)
        return row(list(source.columns)), row, ""
    return make


def markdown_cell(value: str | None) -> str:
    """One Markdown table cell: pipes escaped, line breaks as <br>."""
    if value is None:
        return "NULL"
    text = value.replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def _markdown(source: CopySource):  # type: ignore[no-untyped-def]
    def row(values: list[str | None]) -> str:
        return "| " + " | ".join(markdown_cell(v) for v in values) + " |"
    rule = "|" + "|".join("---:" if n else "---" for n in source.numeric) + "|"
    return row(list(source.columns)) + "\n" + rule, row, ""


def json_value(value: str | None, numeric: bool, type_name: str) -> str:
    """One value as JSON text: numbers, booleans and json keep their JSON types."""
    if value is None:
        return "null"
    if numeric and _NUMBER.match(value):
        return value  # the server's digits, never through a float
    if type_name in ("boolean", "bool") and value in _BOOLEANS:
        return "true" if _BOOLEANS[value] else "false"
    if type_name in ("json", "jsonb"):
        try:
            json.loads(value)
            return value
        except ValueError:
            pass
    return json.dumps(value, ensure_ascii=False)


def _json_keys(columns: list[str]) -> list[str]:
    # Duplicate column names (select 1 a, 2 a) would overwrite each other: number them.
    seen: dict[str, int] = {}
    keys = []
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return [json.dumps(k, ensure_ascii=False) for k in keys]


def _json(source: CopySource):  # type: ignore[no-untyped-def]
    keys = _json_keys(source.columns)

    def row(values: list[str | None]) -> str:
        pairs = (f"{k}: {json_value(v, n, t)}" for k, v, n, t in zip(keys, values, source.numeric, source.types,
                                                                        strict=False))
        return "  {" + ", ".join(pairs) + "}"
    return "[", row, "]"


def sql_literal(value: str | None, numeric: bool, type_name: str, dialect: str) -> str:
    """One value as an SQL literal: NULL, a bare number, or a quoted string (cast to
    its type in PostgreSQL when the type is known; SQLite blobs as x'..')."""
    if value is None:
        return "NULL"
    if numeric and _NUMBER.match(value):
        return value
    if dialect == "sqlite":
        if _SQLITE_BLOB.match(value):
            return value  # how the grids show a blob, and SQLite's blob literal
        return "'" + value.replace("'", "''") + "'"
    literal = sql.Literal(value).as_string(None)
    # format_type() spellings come from the catalog: safe to splice after '::'.
    return f"{literal}::{type_name}" if type_name else literal


def table_identifier(schema: str | None, name: str) -> str:
    """"schema"."name" (or "name"), quoted whatever the characters."""
    parts = (schema, name) if schema else (name,)
    return sql.Identifier(*parts).as_string(None)


def parse_table_name(text: str) -> tuple[str | None, str]:
    """What the user typed for the INSERTs' table: `name`, `schema.name`, or quoted."""
    text = text.strip() or "result"
    reader = csv.reader(io.StringIO(text), delimiter=".", quotechar='"')
    parts = next(reader, [text]) or [text]
    if len(parts) >= 2:
        return ".".join(parts[:-1]), parts[-1]
    return None, parts[0]


def _insert(source: CopySource):  # type: ignore[no-untyped-def]
    names = ", ".join(sql.Identifier(c).as_string(None) for c in source.columns)
    prefix = f"INSERT INTO {table_identifier(*source.table)} ({names}) VALUES ("

    def row(values: list[str | None]) -> str:
        literals = (sql_literal(v, n, t, source.dialect)
                    for v, n, t in zip(values, source.numeric, source.types, strict=False))
        return prefix + ", ".join(literals) + ");"
    return "", row, ""


_FORMATTERS = {"tsv": _delimited("\t"), "csv": _delimited(","), "markdown": _markdown, "json": _json,
               "insert": _insert}
