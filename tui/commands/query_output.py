"""Output formats of `bastion query`, written as rows arrive (the aligned table
excepted: its widths need every row). Byte for byte what psql prints for the same
rows: `csv` is `psql --csv`, `tsv` is `psql -A -F <tab> -P footer=off`, `table` is
psql's default aligned table; `json` (an array of objects per result) and
`markdown` have no psql counterpart.

Values arrive as the server's text (or None for NULL), as psql gets them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

FORMATS = ("table", "csv", "tsv", "json", "markdown")
Row = tuple[str | None, ...]

# Type OIDs psql right-aligns in the aligned table, and JSON writes as numbers.
NUMERIC_TYPES = {20, 21, 23, 26, 28, 29, 700, 701, 790, 1700}
BOOLEAN_TYPE = 16
JSON_TYPES = {114, 3802}


@dataclass(frozen=True)
class OutputColumn:
    """A result column as the writers need it: name and type OID."""

    name: str
    type_oid: int = 0

    @property
    def numeric(self) -> bool:
        return self.type_oid in NUMERIC_TYPES


class ResultWriter:
    """Writes one result after another in a format; `start` … `rows`* … `end`."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.columns: list[OutputColumn] = []

    def start(self, columns: list[OutputColumn]) -> None:
        self.columns = columns

    def rows(self, batch: Iterable[Row]) -> None:
        raise NotImplementedError

    def end(self, count: int) -> None:
        """After the last row of a result (`count` rows in all)."""


def _csv_field(value: str | None) -> str:
    # psql's csv_print_field: quote when the separator, a quote, CR/LF is inside, or the field is "\."
    if value is None:
        return ""
    if any(c in value for c in ',"\n\r') or value == "\\.":
        return '"' + value.replace('"', '""') + '"'
    return value


class CsvWriter(ResultWriter):
    """`psql --csv`: a header line, RFC 4180 quoting only where needed, NULL empty."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.out.write(",".join(_csv_field(c.name) for c in columns) + "\n")

    def rows(self, batch: Iterable[Row]) -> None:
        self.out.write("".join(",".join(map(_csv_field, row)) + "\n" for row in batch))


class TsvWriter(ResultWriter):
    """`psql -A -F <tab> -P footer=off`: fields as they are, joined by tabs."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.out.write("\t".join(c.name for c in columns) + "\n")

    def rows(self, batch: Iterable[Row]) -> None:
        self.out.write("".join("\t".join("" if v is None else v for v in row) + "\n" for row in batch))


class JsonWriter(ResultWriter):
    """An array of objects per result, one object a line; numbers, booleans and
    json values keep their JSON type."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.keys = [json.dumps(c.name, ensure_ascii=False) for c in columns]
        self.first = True
        self.out.write("[")

    def _value(self, column: OutputColumn, value: str | None) -> str:
        if value is None:
            return "null"
        if column.type_oid == BOOLEAN_TYPE:
            return "true" if value == "t" else "false"
        if column.type_oid in JSON_TYPES or (column.numeric and value[-1:].isdigit() and "$" not in value):
            return value
        return json.dumps(value, ensure_ascii=False)

    def rows(self, batch: Iterable[Row]) -> None:
        parts = []
        for row in batch:
            fields = ", ".join(f"{key}: {self._value(column, value)}"
                               for key, column, value in zip(self.keys, self.columns, row, strict=False))
            parts.append(("\n" if self.first else ",\n") + "{" + fields + "}")
            self.first = False
        self.out.write("".join(parts))

    def end(self, count: int) -> None:
        self.out.write("\n]\n" if count else "]\n")


def _markdown_cell(value: str | None) -> str:
    if value is None:
        return "NULL"
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")


class MarkdownWriter(ResultWriter):
    """A GitHub-flavoured Markdown table (NULL spelled out, `|` escaped)."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.out.write("| " + " | ".join(_markdown_cell(c.name) for c in columns) + " |\n")
        self.out.write("|" + "".join("---:|" if c.numeric else "---|" for c in columns) + "\n")

    def rows(self, batch: Iterable[Row]) -> None:
        self.out.write("".join("| " + " | ".join(map(_markdown_cell, row)) + " |\n" for row in batch))


def display_width(text: str) -> int:
    """Terminal columns of `text`: wide (CJK) characters count two, combining ones none."""
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _psql_lines(value: str) -> list[str]:
    """A value as psql's aligned format draws it: one entry per line, tabs to the
    next multiple of 8, other control characters as \\r or \\xNN."""
    lines = []
    for raw in value.split("\n"):
        out: list[str] = []
        column = 0
        for char in raw:
            if char == "\t":
                spaces = 8 - column % 8
                out.append(" " * spaces)
                column += spaces
            elif char == "\r":
                out.append("\\r")
                column += 2
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                out.append(f"\\x{ord(char):02X}")
                column += 4
            else:
                out.append(char)
                column += display_width(char)
        lines.append("".join(out))
    return lines


class TableWriter(ResultWriter):
    """psql's aligned table: centred headers, numbers to the right, `+` where a
    value goes on, `(N rows)`. Holds the result's rows to measure the widths."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.held: list[list[list[str]]] = []

    def rows(self, batch: Iterable[Row]) -> None:
        self.held.extend([_psql_lines("" if v is None else v) for v in row] for row in batch)

    def end(self, count: int) -> None:
        columns = self.columns
        footer = f"({count} row{'' if count == 1 else 's'})\n\n"
        if not columns:  # `SELECT;`: psql draws a bare rule
            self.out.write("--\n" + footer)
            self.held = []
            return
        widths = [max([display_width(c.name)] + [display_width(line) for row in self.held for line in row[i]])
                  for i, c in enumerate(columns)]
        last = len(columns) - 1
        header = []
        for i, column in enumerate(columns):
            name = column.name
            room = widths[i] - display_width(name)
            header.append(" " * (room // 2) + name + " " * (room - room // 2))
        out = [" " + " | ".join(header) + " \n"]
        out.append("-" + "-+-".join("-" * w for w in widths) + "-\n")
        for row in self.held:
            height = max((len(cell) for cell in row), default=1)
            for line_number in range(height):
                parts = []
                for i, cell in enumerate(row):
                    has_line = line_number < len(cell)
                    text = cell[line_number] if has_line else ""
                    goes_on = line_number < len(cell) - 1
                    pad = " " * (widths[i] - display_width(text))
                    if i == last and not goes_on and (not has_line or not columns[i].numeric):
                        parts.append(" " + text)  # psql pads no last column on the right
                        continue
                    body = pad + text if columns[i].numeric and has_line else text + pad
                    parts.append(" " + body + ("+" if goes_on else (" " if i < last else "")))
                out.append("|".join(parts) + "\n")
        out.append(footer)
        self.out.write("".join(out))
        self.held = []


WRITERS: dict[str, type[ResultWriter]] = {
    "table": TableWriter, "csv": CsvWriter, "tsv": TsvWriter, "json": JsonWriter, "markdown": MarkdownWriter,
}


def writer_for(fmt: str, out: TextIO) -> ResultWriter:
    """The writer of a format (one of FORMATS)."""
    return WRITERS[fmt](out)
