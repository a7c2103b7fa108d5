"""Output formats of `bastion query`, written as rows arrive (the aligned table
excepted: its widths need every row). Byte for byte what psql prints for the same
rows: `csv` is `psql --csv`, `tsv` is `psql -A -F <tab> -P footer=off`, `table` is
psql's default aligned table; `json` (an array of objects per result) and
`markdown` have no psql counterpart.

Values arrive as the server's text (or None for NULL), as psql gets them.
"""

from __future__ import annotations

import json
import re
import tempfile
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


_CSV_SPECIAL = re.compile(r'[,"\n\r]').search


def _csv_field(value: str | None) -> str:
    # psql's csv_print_field: quote when the separator, a quote, CR/LF is inside, or the field is "\."
    if value is None:
        return ""
    if _CSV_SPECIAL(value) or value == "\\.":
        return '"' + value.replace('"', '""') + '"'
    return value


class CsvWriter(ResultWriter):
    """`psql --csv`: a header line, RFC 4180 quoting only where needed, NULL empty."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.out.write(",".join(_csv_field(c.name) for c in columns) + "\n")

    def rows(self, batch: Iterable[Row]) -> None:
        lines = []
        commas = len(self.columns) - 1
        for row in batch:
            values = ["" if v is None else v for v in row]
            line = ",".join(values)
            if line.count(",") != commas or '"' in line or "\n" in line or "\r" in line or "\\." in values:
                line = ",".join(map(_csv_field, row))  # something to quote: field by field
            lines.append(line)
        lines.append("")
        self.out.write("\n".join(lines))


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


def _cell_lines(value: str | None) -> list[str]:
    if value is None:
        return [""]
    return [value] if value.isascii() and value.isprintable() else _psql_lines(value)


def _cell_width(value: str | None) -> int:
    if value is None:
        return 0
    if value.isascii() and value.isprintable():
        return len(value)  # the common case, without a loop over characters
    return max(display_width(line) for line in _psql_lines(value))


class TableWriter(ResultWriter):
    """psql's aligned table: centred headers, numbers to the right, `+` where a
    value goes on, `(N rows)`. The widths need every row first: rows are spooled
    to a temporary file (constant memory), then drawn."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.widths = [display_width(c.name) for c in columns]
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def rows(self, batch: Iterable[Row]) -> None:
        widths = self.widths
        lines = []
        for row in batch:
            for i, value in enumerate(row):
                width = _cell_width(value)
                if width > widths[i]:
                    widths[i] = width
            lines.append(json.dumps(row, ensure_ascii=False))
        lines.append("")
        self.spool.write("\n".join(lines))

    def end(self, count: int) -> None:
        columns, widths = self.columns, self.widths
        footer = f"({count} row{'' if count == 1 else 's'})\n\n"
        self.spool.seek(0)
        try:
            if not columns:  # `SELECT;`: psql draws a bare rule
                self.out.write("--\n" + footer)
                return
            header = []
            for i, column in enumerate(columns):
                room = widths[i] - display_width(column.name)
                header.append(" " * (room // 2) + column.name + " " * (room - room // 2))
            self.out.write(" " + " | ".join(header) + " \n" + "-" + "-+-".join("-" * w for w in widths) + "-\n")
            numeric = [c.numeric for c in columns]
            simple_last = len(columns) - 1
            out: list[str] = []
            for line in self.spool:
                row = json.loads(line)
                if all(v is None or (v.isascii() and v.isprintable()) for v in row):
                    cells = [("" if v is None else v) for v in row]
                    parts = [c.rjust(w) if right else c.ljust(w)
                             for c, w, right in zip(cells, widths, numeric, strict=False)]
                    if not numeric[simple_last]:
                        parts[simple_last] = cells[simple_last]  # psql pads no last column on the right
                    out.append(" " + " | ".join(parts) + "\n")
                else:
                    out.append(self._multiline(row))
                if len(out) >= 5000:
                    self.out.write("".join(out))
                    out.clear()
            out.append(footer)
            self.out.write("".join(out))
        finally:
            self.spool.close()

    def _multiline(self, row: list[str | None]) -> str:
        columns, widths = self.columns, self.widths
        last = len(columns) - 1
        cells = [_cell_lines(v) for v in row]
        height = max((len(cell) for cell in cells), default=1)
        out = []
        for line_number in range(height):
            parts = []
            for i, cell in enumerate(cells):
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
        return "".join(out)


WRITERS: dict[str, type[ResultWriter]] = {
    "table": TableWriter, "csv": CsvWriter, "tsv": TsvWriter, "json": JsonWriter, "markdown": MarkdownWriter,
}


def writer_for(fmt: str, out: TextIO) -> ResultWriter:
    """The writer of a format (one of FORMATS)."""
    return WRITERS[fmt](out)
