"""Export a result by running its statement again and streaming straight to a
file: never the whole result in memory. PostgreSQL CSV/TSV go through COPY."""

from __future__ import annotations

import csv
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tui.db.base import Database
from tui.db.roles import EXPORT, role_transaction
from tui.paths import create_private
from tui.services.copy_formats import markdown_cell
from tui.services.query.classify import can_stream
from tui.services.query.splitter import Statement

FORMATS = {"csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl", "markdown": ".md"}
BATCH = 5000
WRITE_CHUNK = 1 << 20  # bytes gathered before a write (and a progress report)


class ExportCancelled(Exception):
    """The user stopped the export; the partial file was removed."""


def _markdown_cell(value: object) -> str:
    return markdown_cell(None if value is None else str(value))


class _RowWriter:
    """Writes header and rows in one of the formats."""

    def __init__(self, handle: TextIO, fmt: str) -> None:
        self.handle, self.fmt = handle, fmt
        self.columns: list[str] = []
        if fmt in ("csv", "tsv"):
            self.csv = csv.writer(handle, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")

    def header(self, columns: list[str]) -> None:
        self.columns = columns
        if self.fmt in ("csv", "tsv"):
            self.csv.writerow(columns)
        elif self.fmt == "markdown":
            self.handle.write("| " + " | ".join(_markdown_cell(c) for c in columns) + " |\n")
            self.handle.write("|" + "---|" * len(columns) + "\n")

    def rows(self, rows: list[tuple[Any, ...]]) -> None:
        if self.fmt in ("csv", "tsv"):
            self.csv.writerows(["" if v is None else v for v in row] for row in rows)
        elif self.fmt == "jsonl":
            for row in rows:
                self.handle.write(json.dumps(dict(zip(self.columns, row, strict=False)), ensure_ascii=False,
                                             default=str) + "\n")
        else:
            for row in rows:
                self.handle.write("| " + " | ".join(_markdown_cell(v) for v in row) + " |\n")


def export(database: Database, statement: Statement, fmt: str, path: Path,
           progress: Callable[[int], None], cancel: threading.Event) -> int:
    """Write the statement's result to `path`; returns the number of rows.

    Raises ExportCancelled (partial file removed) or the driver's error.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    tmp = path.with_name(f".{path.name}.part")
    try:
        if database.info.kind == "postgresql":
            rows = _export_postgres(database, statement, fmt, tmp, progress, cancel)
        else:
            rows = _export_sqlite(database, statement, fmt, tmp, progress, cancel)
        os.replace(tmp, path)
        return rows
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _stream_rows(cursor: Any, handle: TextIO, fmt: str, progress: Callable[[int], None],
                 cancel: threading.Event) -> int:
    """Header and rows of an executed DB-API cursor, batch by batch."""
    if not cursor.description:
        raise ValueError("this statement returns no rows to export")
    writer = _RowWriter(handle, fmt)
    writer.header([column[0] for column in cursor.description])  # DB-API: name first
    total = 0
    while batch := cursor.fetchmany(BATCH):
        if cancel.is_set():
            raise ExportCancelled()
        writer.rows(batch)
        total += len(batch)
        progress(total)
    return total


def _export_postgres(database: Database, statement: Statement, fmt: str, path: Path,
                     progress: Callable[[int], None], cancel: threading.Event) -> int:
    import psycopg
    from psycopg.types.string import TextLoader

    # An export reads. f8 runs the shown statement again, and that may have been a
    # confirmed write (DELETE … RETURNING, a function that writes): the EXPORT role's
    # transactions are READ ONLY, so the server refuses it (per transaction: behind a
    # transaction pooler a session setting would stay on the server connection).
    conn = database.connect(EXPORT)
    watcher = threading.Thread(target=_cancel_when_set, args=(cancel, conn), daemon=True)
    watcher.start()
    try:
        if fmt in ("csv", "tsv") and can_stream(statement):
            return _copy_out(conn, statement, fmt, path, progress, cancel)
        for info in conn.adapters.types:  # values as the server's text, like COPY
            conn.adapters.register_loader(info.oid, TextLoader)
        with create_private(path) as handle, role_transaction(conn, EXPORT):
            cursor = conn.cursor(name="bastion_export") if can_stream(statement) else conn.cursor()
            with cursor:
                cursor.execute(statement.text)
                return _stream_rows(cursor, handle, fmt, progress, cancel)
    except psycopg.errors.QueryCanceled:
        raise ExportCancelled() from None
    finally:
        cancel.set()  # stops the watcher
        conn.close()


def _copy_out(conn: Any, statement: Statement, fmt: str, path: Path,
              progress: Callable[[int], None], cancel: threading.Event) -> int:
    delimiter = "" if fmt == "csv" else ", DELIMITER E'\\t'"
    messages = 0  # the server sends one CopyData message per row, plus one for the header
    buffer = bytearray()
    with create_private(path, binary=True) as handle, role_transaction(conn, EXPORT), conn.cursor() as cursor:
        with cursor.copy(f"COPY ({statement.text}) TO STDOUT (FORMAT csv, HEADER{delimiter})") as copy:
            for chunk in copy:
                buffer += chunk
                messages += 1
                if len(buffer) >= WRITE_CHUNK:
                    if cancel.is_set():
                        raise ExportCancelled()
                    handle.write(buffer)
                    buffer.clear()
                    progress(messages - 1)
            handle.write(buffer)
    progress(max(0, messages - 1))
    return max(0, messages - 1)


def _cancel_when_set(cancel: threading.Event, conn: Any) -> None:
    cancel.wait()
    try:
        if not conn.closed:
            conn.cancel_safe(timeout=3)
    except Exception:  # noqa: BLE001 - finished already
        pass


def _export_sqlite(database: Database, statement: Statement, fmt: str, path: Path,
                   progress: Callable[[int], None], cancel: threading.Event) -> int:
    conn = database.connect(EXPORT)
    try:
        cursor = conn.execute(statement.text)
        with create_private(path) as handle:
            return _stream_rows(cursor, handle, fmt, progress, cancel)
    finally:
        conn.close()


def default_export_path(fmt: str, folder: Path | None = None) -> Path:
    """`./bastion-export-N.<ext>`, the first that does not exist."""
    folder = folder or Path.cwd()
    number = 1
    while (candidate := folder / f"bastion-export-{number}{FORMATS[fmt]}").exists():
        number += 1
    return candidate


