"""Output formats of `bastion query`, written as rows arrive (the aligned table
excepted: its widths need every row). Byte for byte what psql prints for the same
rows: `csv` is `psql --csv`, `tsv` is `psql -A -F <tab> -P footer=off`, `table` is
psql's default aligned table; `json` (an array of objects per result) and
`markdown` have no psql counterpart.

Values arrive as the server's text (or None for NULL), as psql gets them.
"""

from __future__ import annotations

import json
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, starmap
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import TextIO

from tui.services.copy_formats import markdown_cell

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
        batch = batch if isinstance(batch, list) else list(batch)
        commas = len(self.columns) - 1
        if self.columns and None not in chain.from_iterable(batch):
            # The whole batch at once when nothing in it needs quoting (the common case).
            text = "\n".join(map(",".join, batch)) + "\n"
            if (text.count(",") == commas * len(batch) and text.count("\n") == len(batch)
                    and '"' not in text and "\r" not in text and "\\." not in text):
                self.out.write(text)
                return
        lines = []
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


# A value of a numeric column that does not end in a digit (NaN, Infinity): a JSON string.
_NOT_DIGIT_END = re.compile(r"(?<![0-9])\n").search


class JsonWriter(ResultWriter):
    """An array of objects per result, one object a line; numbers, booleans and
    json values keep their JSON type."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.keys = [json.dumps(c.name, ensure_ascii=False) for c in columns]
        # One object per row: `{"key": {}, …}` with the keys' own braces escaped for str.format.
        self.template = "{{" + ", ".join(k.replace("{", "{{").replace("}", "}}") + ": {}" for k in self.keys) + "}}"
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
        batch = batch if isinstance(batch, list) else list(batch)
        if not batch:
            return
        if self.columns:
            # Column by column (C loops over whole columns), then one format per row.
            cells = zip(*batch, strict=True)
            values = [self._column(column, list(cell)) for column, cell in zip(self.columns, cells, strict=True)]
            text = ",\n".join(map(self.template.format, *values))
        else:
            text = ",\n".join(["{}"] * len(batch))
        self.out.write(("\n" if self.first else ",\n") + text)
        self.first = False

    def _column(self, column: OutputColumn, cells: list[str | None]) -> Sequence[str]:
        """The JSON text of a whole column's values (`_value` of each, faster)."""
        if None in cells:
            return [self._value(column, value) for value in cells]
        if column.type_oid == BOOLEAN_TYPE:
            return ["true" if value == "t" else "false" for value in cells]
        if column.type_oid in JSON_TYPES:
            return cells  # type: ignore[return-value]
        if column.numeric:
            joined = "\n".join(cells) + "\n"
            if "$" not in joined and not _NOT_DIGIT_END(joined):
                return cells  # type: ignore[return-value]
            return [self._value(column, value) for value in cells]
        return list(map(encode_basestring, cells))  # what json.dumps(value, ensure_ascii=False) gives

    def end(self, count: int) -> None:
        self.out.write("\n]\n" if count else "]\n")


class MarkdownWriter(ResultWriter):
    """A GitHub-flavoured Markdown table (NULL spelled out, `|` escaped)."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.out.write("| " + " | ".join(markdown_cell(c.name) for c in columns) + " |\n")
        self.out.write("|" + "".join("---:|" if c.numeric else "---|" for c in columns) + "\n")

    def rows(self, batch: Iterable[Row]) -> None:
        self.out.write("".join("| " + " | ".join(map(markdown_cell, row)) + " |\n" for row in batch))


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


def _plain(text: str) -> bool:
    # Printable ASCII: one column a character, nothing psql redraws (the common case).
    return text.isascii() and text.isprintable()


class TableWriter(ResultWriter):
    """psql's aligned table: centred headers, numbers to the right, `+` where a
    value goes on, `(N rows)`. The widths need every row first: rows are spooled
    to a temporary file a batch at a time (constant memory), then drawn."""

    def start(self, columns: list[OutputColumn]) -> None:
        super().start(columns)
        self.widths = [display_width(c.name) for c in columns]
        self.spool = tempfile.TemporaryFile("w+b")

    def rows(self, batch: Iterable[Row]) -> None:
        # NULL draws as an empty string: replaced once here, so drawing needs no test per value.
        batch = [row if None not in row else tuple("" if v is None else v for v in row) for row in batch]
        if not batch:
            return
        widths = self.widths
        plain = _plain("".join(chain.from_iterable(batch)))
        if plain:  # widths column by column, in C
            for i, cells in enumerate(zip(*batch, strict=True)):
                widths[i] = max(widths[i], max(map(len, cells)))
        else:
            for row in batch:
                lengths = map(len, row) if _plain("".join(row)) else map(_cell_width, row)
                for i, width in enumerate(lengths):
                    if width > widths[i]:
                        widths[i] = width
        pickle.dump((plain, batch), self.spool, pickle.HIGHEST_PROTOCOL)  # our own file: one batch a record

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
            line = self._line_format()
            while True:
                try:
                    plain, batch = pickle.load(self.spool)
                except EOFError:
                    break
                if plain:
                    self.out.write("".join(starmap(line, batch)))
                else:
                    self.out.write("".join(line(*row) if _plain("".join(row)) else self._multiline(row)
                                           for row in batch))
            self.out.write(footer)
        finally:
            self.spool.close()

    def _line_format(self) -> Callable[..., str]:
        """A one-line row drawn by str.format: numbers right-aligned, the last column unpadded."""
        last = len(self.columns) - 1
        fields = []
        for i, (column, width) in enumerate(zip(self.columns, self.widths, strict=True)):
            if width == 0 or (i == last and not column.numeric):  # psql pads no last column on the right
                fields.append("{}")
            else:
                fields.append(f"{{:{'>' if column.numeric else '<'}{width}}}")
        return (" " + " | ".join(fields) + "\n").format

    def _multiline(self, row: Row) -> str:
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
