"""Reading the start of a CSV/TSV file: delimiter, header, the file's columns mapped
to a table's, and a preview. No database here: the import is tui.services.transfer.csv_import.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tui.services.transfer import TransferError

SAMPLE_BYTES = 64 * 1024
PREVIEW_ROWS = 5
SKIP = "-"  # in --columns: this file column is not imported
BOM = codecs.BOM_UTF8
DELIMITERS = ",;\t|"


@dataclass(frozen=True)
class CsvOptions:
    """How to read the file; None: detected from its first lines."""

    delimiter: str | None = None
    quote: str = '"'
    null: str = ""  # an unquoted field equal to this is NULL
    encoding: str = "utf-8"
    header: bool | None = None
    columns: tuple[str, ...] | None = None  # the table column of each file column, SKIP to leave one out


@dataclass(frozen=True)
class CsvPlan:
    """What an import will do: read this way, these file columns into those table columns."""

    path: Path
    delimiter: str
    quote: str
    null: str
    encoding: str  # Python's codec name
    header: bool
    file_columns: list[str]  # the header's names, or "column 1", "column 2" …
    targets: list[str | None]  # the table column each file column goes to (None: skipped)
    preview: list[list[str]] = field(default_factory=list)  # the first data rows, as read
    size: int = 0
    notes: list[str] = field(default_factory=list)  # what was detected, for the dialog

    @property
    def chosen(self) -> list[str]:
        """The table columns filled, in file order."""
        return [target for target in self.targets if target is not None]

    @property
    def skips_columns(self) -> bool:
        return any(target is None for target in self.targets)

    def mapped_preview(self) -> list[list[str]]:
        """Preview rows as they land: the chosen columns' values only."""
        keep = [i for i, target in enumerate(self.targets) if target is not None]
        return [[row[i] if i < len(row) else "" for i in keep] for row in self.preview]


def codec_name(encoding: str) -> str:
    """Python's name for an encoding, or TransferError for one it does not know."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise TransferError(f"Unknown encoding '{encoding}': try utf-8, latin-1 or cp1252.") from None


def line_of_offset(data: bytes, offset: int) -> int:
    """The 1-based line holding byte `offset`."""
    return data.count(b"\n", 0, offset) + 1


def decode_sample(data: bytes, encoding: str, path: Path, whole: bool = False) -> str:
    """The sample as text; a wrong encoding is a TransferError naming the line."""
    if data.startswith(BOM) and encoding == "utf-8":
        data = data[len(BOM):]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        if not whole and exc.start >= len(data) - 4:  # the sample cut a character in two
            return data[:exc.start].decode(encoding)
        raise TransferError(
            f"Line {line_of_offset(data, exc.start)} of {path.name} is not {encoding}: "
            f"{data[exc.start:exc.start + 4]!r} cannot be decoded.",
            "Give the file's encoding (e.g. latin-1 or cp1252).") from None


def detect_delimiter(sample: str, path: Path) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    try:
        return csv.Sniffer().sniff("\n".join(sample.splitlines()[:20]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def sample_rows(text: str, delimiter: str, quote: str, limit: int) -> list[list[str]]:
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter, quotechar=quote)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # the sample's last line was cut: the rows before it are enough
    return rows


def looks_like_header(first: list[str], table_columns: list[str], sample: str) -> bool:
    """The first row names table columns, or (none named) csv.Sniffer thinks it is a header."""
    names = {name.lower() for name in table_columns}
    values = [value.strip().lower() for value in first if value.strip()]
    if values and any(value in names for value in values):
        return True
    try:
        return csv.Sniffer().has_header(sample)
    except csv.Error:
        return False


def map_columns(file_columns: list[str], header: bool, table_columns: list[str],
                columns: tuple[str, ...] | None) -> list[str | None]:
    """The table column of each file column: as `columns` says, else by header
    name (case-insensitive), else by position."""
    by_name = {name.lower(): name for name in table_columns}
    if columns is not None:
        if len(columns) > len(file_columns):
            raise TransferError(f"--columns names {len(columns)} columns; the file has {len(file_columns)}.")
        targets: list[str | None] = []
        for given in [*columns, *([SKIP] * (len(file_columns) - len(columns)))]:
            given = given.strip()
            if given in (SKIP, ""):
                targets.append(None)
            elif given.lower() in by_name:
                targets.append(by_name[given.lower()])
            else:
                raise TransferError(f"The table has no column '{given}'. Its columns: {', '.join(table_columns)}.")
    elif header:
        targets = []
        for name in file_columns:
            if name.strip().lower() not in by_name:
                raise TransferError(
                    f"The file's column '{name}' is not a column of the table ({', '.join(table_columns)}).",
                    f"Name the target of each file column with --columns (a,b,…; '{SKIP}' skips one).")
            targets.append(by_name[name.strip().lower()])
    else:
        if len(file_columns) > len(table_columns):
            raise TransferError(f"The file has {len(file_columns)} columns, the table {len(table_columns)}.",
                                f"Map them with --columns (a,b,…; '{SKIP}' skips one).")
        targets = list(table_columns[:len(file_columns)])
    chosen = [target for target in targets if target is not None]
    duplicates = sorted({name for name in chosen if chosen.count(name) > 1})
    if duplicates:
        raise TransferError(f"Column {', '.join(duplicates)} is filled from two file columns.")
    if not chosen:
        raise TransferError("No file column goes into the table.")
    return targets


def plan_import(path: Path, table_columns: list[str], options: CsvOptions) -> CsvPlan:
    """Read the start of `path` and decide how to import it (TransferError if it cannot be)."""
    if not path.is_file():
        raise TransferError(f"{path} is not a file.")
    encoding = codec_name(options.encoding)
    with path.open("rb") as handle:
        data = handle.read(SAMPLE_BYTES)
    if not data.strip():
        raise TransferError(f"{path.name} is empty.")
    sample = decode_sample(data, encoding, path, whole=len(data) < SAMPLE_BYTES)
    notes = []
    delimiter = options.delimiter or detect_delimiter(sample, path)
    if options.delimiter is None:
        notes.append(f"delimiter {'tab' if delimiter == chr(9) else repr(delimiter)} (detected)")
    rows = sample_rows(sample, delimiter, options.quote, PREVIEW_ROWS + 1)
    if not rows:
        raise TransferError(f"{path.name} has no rows.")
    header = options.header
    if header is None:
        header = looks_like_header(rows[0], table_columns, sample)
        notes.append("header row (detected)" if header else "no header row (detected)")
    width = max(len(row) for row in rows)
    file_columns = [name.strip() for name in rows[0]] if header else [f"column {i + 1}" for i in range(width)]
    targets = map_columns(file_columns, header, table_columns, options.columns)
    return CsvPlan(path=path, delimiter=delimiter, quote=options.quote, null=options.null, encoding=encoding,
                   header=header, file_columns=file_columns, targets=targets,
                   preview=rows[1:] if header else rows[:PREVIEW_ROWS], size=path.stat().st_size, notes=notes)


def read_rows(plan: CsvPlan, counter: list[int]) -> Iterator[tuple[int, list[str | None]]]:
    """(line, values of the chosen columns, NULL as None) for every data row.
    NULL as COPY reads it: an unquoted field equal to `plan.null`; quoted ("" or
    "\\N") it is that text. `counter[0]` follows the bytes read. Ragged rows and
    undecodable bytes are TransferErrors naming the line."""
    width = len(plan.file_columns)
    keep = [i for i, target in enumerate(plan.targets) if target is not None]
    quoted = quoted_fields(width, plan.delimiter, plan.quote)
    record: list[str] = []  # the lines of the row being read: csv reads no further than its end
    # newline="": csv itself splits records, so CRLF and newlines inside quotes survive.
    with plan.path.open(encoding="utf-8-sig" if plan.encoding == "utf-8" else plan.encoding, newline="") as text:
        reader = csv.reader(_counted(text, counter, record), delimiter=plan.delimiter, quotechar=plan.quote)
        previous_end = 0
        try:
            for row in reader:
                start, previous_end = previous_end + 1, reader.line_num
                if (plan.header and start == 1) or not row:  # the header, a blank line
                    record.clear()
                    continue
                if len(row) != width:
                    raise TransferError(f"Line {start} has {len(row)} values; the file has {width} columns. "
                                        "Nothing was imported.")
                values: list[str | None] = [row[i] for i in keep]
                if plan.null in values:  # csv reads "" and an empty field alike: the raw row tells them apart
                    raw = quoted.match("".join(record))
                    values = [None if value == plan.null and (raw is None or raw.group(i + 1) is None) else value
                              for i, value in zip(keep, values, strict=True)]
                record.clear()
                yield start, values
        except UnicodeDecodeError as exc:
            raise TransferError(f"Line {previous_end + 1} of {plan.path.name} is not {plan.encoding}: "
                                f"{exc.object[exc.start:exc.start + 4]!r} cannot be decoded. Nothing was imported.",
                                "Give the file's encoding (e.g. latin-1 or cp1252).") from None
        except csv.Error as exc:
            raise TransferError(f"Line {previous_end + 1}: {exc}. Nothing was imported.") from None


def quoted_fields(width: int, delimiter: str, quote: str) -> re.Pattern[str]:
    """Matches a raw row of `width` fields as Python's csv splits them; group i + 1
    is field i when it was quoted, None when it was not."""
    d, q = re.escape(delimiter), re.escape(quote)
    # A quoted field (doubled quotes inside, anything up to the delimiter after it), else a plain one;
    # atomic and possessive: no backtracking into a field already read.
    field = rf"(?>({q}(?:[^{q}]++|{q}{q})*+{q}[^{d}\r\n]*+)|[^{d}\r\n]*+)"
    return re.compile(d.join([field] * width))


def _counted(text: TextIO, counter: list[int], record: list[str]) -> Iterator[str]:
    for line in text:
        counter[0] = text.buffer.tell()  # read ahead a little: close enough for a progress bar
        record.append(line)
        yield line
