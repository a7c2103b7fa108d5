"""Importing a planned CSV file into a table in ONE transaction: a bad row stops
it with its line and the server's message, and nothing is committed.

PostgreSQL: the file's bytes go straight to `COPY … FROM STDIN (FORMAT csv)`,
which parses them as psql's \\copy would (as fast, and PostgreSQL's own rules for
quotes, NULL and encodings); only when file columns are skipped (or the encoding
is one PostgreSQL lacks) are rows read here and sent with `write_row`.
SQLite: rows read here, `executemany` in batches inside one transaction.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tui.db.base import Database
from tui.db.roles import IMPORT
from tui.profiles import Profile
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress
from tui.services.transfer.csv_plan import BOM, CsvPlan, read_rows
from tui.sql.transfer import TABLE_COLUMNS

Progress = Callable[[TransferProgress], None]
CHUNK = 1024 * 1024
BATCH = 5000
# Python's codec name → PostgreSQL's encoding name, for COPY's ENCODING option.
PG_ENCODINGS = {
    "utf-8": "UTF8", "iso8859-1": "LATIN1", "iso8859-2": "LATIN2", "iso8859-15": "LATIN9", "cp1252": "WIN1252",
    "cp1251": "WIN1251", "cp1250": "WIN1250", "koi8-r": "KOI8R", "euc_jp": "EUC_JP", "shift_jis": "SJIS",
    "gbk": "GBK", "big5": "BIG5", "ascii": "SQL_ASCII",
}
_COPY_LINE = re.compile(r"COPY [^,]+, line (\d+)(?:, column ([^:]+))?")


@dataclass(frozen=True)
class ImportResult:
    """A committed import."""

    rows: int
    table: str


def table_columns(database: Database, schema: str, name: str) -> list[str]:
    """The columns a row of the table takes, in order (generated ones left out)."""
    if database.info.kind == "sqlite":
        rows = database.catalog_rows("SELECT name, hidden FROM pragma_table_xinfo(:name, :schema)",
                                     {"name": name, "schema": schema or "main"})
        if not rows:
            raise TransferError(f"{name}: no such table.")
        return [row["name"] for row in rows if not row["hidden"]]
    rows = database.catalog_rows(TABLE_COLUMNS, {"schema": schema, "name": name})
    if not rows:
        raise TransferError(f"{schema}.{name}: no such table, or no columns to fill.")
    return [row["name"] for row in rows]


def import_refusal(profile: Profile, database: Database) -> str | None:
    """Why an import into this connection is refused, or None."""
    if profile.read_only or database.info.read_only:
        return f"'{profile.name}' is read-only: nothing can be imported into it."
    if database.info.kind == "pgbouncer":
        return "PgBouncer's admin console has no tables."
    return None


def import_csv(database: Database, profile: Profile, schema: str, table: str, plan: CsvPlan,
               progress: Progress, cancel: threading.Event) -> ImportResult:
    """Import the file as planned (blocking: call from a worker)."""
    refusal = import_refusal(profile, database)
    if refusal:
        raise TransferError(refusal)
    if database.info.kind == "sqlite":
        return _import_sqlite(database, schema, table, plan, progress, cancel)
    conn = database.connect(IMPORT)
    try:
        return _import_postgres(conn, schema, table, plan, progress, cancel)
    finally:
        conn.close()


def copy_statement(schema: str, table: str, plan: CsvPlan, raw: bool) -> sql.Composed:
    """COPY … FROM STDIN: identifiers quoted, the file's options as literals (COPY takes no parameters)."""
    columns = sql.SQL(", ").join(sql.Identifier(name) for name in plan.chosen)
    target = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(schema, table), columns)
    if not raw:
        return target  # rows sent with write_row: COPY's text format, NULL as None
    options = [sql.SQL("FORMAT csv"), sql.SQL("DELIMITER {}").format(sql.Literal(plan.delimiter)),
               sql.SQL("QUOTE {}").format(sql.Literal(plan.quote)), sql.SQL("NULL {}").format(sql.Literal(plan.null)),
               sql.SQL("ENCODING {}").format(sql.Literal(PG_ENCODINGS[plan.encoding]))]
    if plan.header:
        options.append(sql.SQL("HEADER true"))
    return target + sql.SQL(" (") + sql.SQL(", ").join(options) + sql.SQL(")")


def _import_postgres(conn: psycopg.Connection[Any], schema: str, table: str, plan: CsvPlan,
                     progress: Progress, cancel: threading.Event) -> ImportResult:
    raw = not plan.skips_columns and plan.encoding in PG_ENCODINGS
    rows_of_lines: list[int] = []  # the file line of each row sent (rows read here only)
    name = f"{schema}.{table}"
    try:
        with conn.transaction(), conn.cursor() as cursor:
            with cursor.copy(copy_statement(schema, table, plan, raw)) as copy:
                if raw:
                    _send_bytes(copy, plan, progress, cancel)
                else:
                    position = [0]
                    for line, values in read_rows(plan, position):
                        copy.write_row(values)
                        rows_of_lines.append(line)
                        if len(rows_of_lines) % BATCH == 0:
                            if cancel.is_set():
                                raise TransferCancelled("Cancelled: nothing was imported.")
                            progress(TransferProgress(f"importing into {name}", len(rows_of_lines), None,
                                                      position[0], plan.size, unit="rows"))
            rows = cursor.rowcount
            if cancel.is_set():
                raise TransferCancelled("Cancelled: nothing was imported.")
    except psycopg.Error as exc:
        hint = "Give the file's encoding (e.g. latin-1 or cp1252)." if "invalid byte sequence" in str(exc) else ""
        raise TransferError(_server_error(exc, plan, rows_of_lines, raw), hint) from None
    progress(TransferProgress("done", rows, rows, plan.size, plan.size, unit="rows"))
    return ImportResult(rows, name)


def _send_bytes(copy: Any, plan: CsvPlan, progress: Progress, cancel: threading.Event) -> None:
    sent = 0
    with plan.path.open("rb") as source:
        first = True
        while chunk := source.read(CHUNK):
            if first and chunk.startswith(BOM):
                chunk = chunk[len(BOM):]  # COPY would take it for part of the first value
            first = False
            copy.write(chunk)
            sent += len(chunk)
            if cancel.is_set():
                raise TransferCancelled("Cancelled: nothing was imported.")
            progress(TransferProgress(f"importing into {plan.path.name}", 0, None, sent, plan.size, unit="rows"))


def _server_error(exc: psycopg.Error, plan: CsvPlan, rows_of_lines: list[int], raw: bool) -> str:
    """'Line 70001: invalid input syntax … (column total). Nothing was imported.'"""
    diag = exc.diag
    message = diag.message_primary or str(exc).splitlines()[0]
    match = _COPY_LINE.search(diag.context or "")
    where = ""
    if match:
        line = int(match.group(1))
        if not raw and 0 < line <= len(rows_of_lines):
            line = rows_of_lines[line - 1]  # COPY counts the rows sent; the file has a header, blank lines
        where = f"Line {line} of {plan.path.name}: "
        if match.group(2):
            message += f" (column {match.group(2)})"
    detail = f" {diag.message_detail}" if diag.message_detail else ""
    return f"{where}{message}.{detail} Nothing was imported.".replace("..", ".")


def _import_sqlite(database: Database, schema: str, table: str, plan: CsvPlan, progress: Progress,
                   cancel: threading.Event) -> ImportResult:
    name = database.quote_table(schema, table)
    columns = ", ".join('"' + column.replace('"', '""') + '"' for column in plan.chosen)
    insert = f"INSERT INTO {name} ({columns}) VALUES ({', '.join('?' for _ in plan.chosen)})"
    conn = database.connect(IMPORT)
    assert isinstance(conn, sqlite3.Connection)
    conn.isolation_level = None  # we say BEGIN and COMMIT ourselves
    position = [0]
    done = 0
    try:
        conn.execute("BEGIN")
        batch: list[tuple[int, list[str | None]]] = []
        for line, values in read_rows(plan, position):
            batch.append((line, values))
            if len(batch) >= BATCH:
                done += _insert_batch(conn, insert, batch, plan)
                batch = []
                if cancel.is_set():
                    raise TransferCancelled("Cancelled: nothing was imported.")
                progress(TransferProgress(f"importing into {table}", done, None, position[0], plan.size, unit="rows"))
        done += _insert_batch(conn, insert, batch, plan)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
    progress(TransferProgress("done", done, done, plan.size, plan.size, unit="rows"))
    return ImportResult(done, table)


def _insert_batch(conn: sqlite3.Connection, insert: str, batch: list[tuple[int, list[str | None]]],
                  plan: CsvPlan) -> int:
    if not batch:
        return 0
    conn.execute("SAVEPOINT batch")
    try:
        conn.executemany(insert, [values for _line, values in batch])
    except sqlite3.Error:
        conn.execute("ROLLBACK TO batch")
        for line, values in batch:  # which row? one at a time, to name its line
            try:
                conn.execute(insert, values)
            except sqlite3.Error as exc:
                raise TransferError(f"Line {line} of {plan.path.name}: {exc}. Nothing was imported.") from None
    conn.execute("RELEASE batch")
    return len(batch)
