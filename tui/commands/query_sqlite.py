"""`bastion query` on a SQLite profile: the same formats and rules, through the
sqlite3 module. On production each statement first runs with PRAGMA query_only:
SQLite refuses a write there before touching anything."""

from __future__ import annotations

import sqlite3
from typing import Any, TextIO

from tui.commands.query_output import OutputColumn, ResultWriter
from tui.services.query.splitter import Statement
from tui.services.saved.params import bind, parameter_names

BATCH = 5000


class SqliteWriteRefused(Exception):
    """The query_only trial: SQLite refused a write."""


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return "\\x" + value.hex()  # as PostgreSQL prints bytea
    return repr(value) if isinstance(value, float) else str(value)


def execute_sqlite(conn: sqlite3.Connection, statement: Statement, values: dict[str, str], writer: ResultWriter,
                   tags: TextIO, trial: bool = False, keep_query_only: bool = False) -> None:
    """Run one statement (with PRAGMA query_only for a trial); raises sqlite3.Error,
    or SqliteWriteRefused when the trial met a write."""
    if parameter_names(statement.text):
        bound = bind(statement.text, dict(values))
        sql, params = bound.qmark_sql, bound.values
    else:
        sql, params = statement.text, ()
    if trial:
        conn.execute("PRAGMA query_only = ON")
    try:
        cursor = conn.execute(sql, params)
        if cursor.description:
            writer.start([OutputColumn(d[0]) for d in cursor.description])
            count = 0
            while batch := cursor.fetchmany(BATCH):
                writer.rows([tuple(_text(v) for v in row) for row in batch])
                count += len(batch)
            writer.end(count)
        elif cursor.rowcount >= 0:
            tags.write(f"{statement.keywords[0].removesuffix('_P') if statement.keywords else 'OK'} "
                       f"{cursor.rowcount}\n")
        cursor.close()
    except sqlite3.OperationalError as exc:
        if trial and "readonly" in str(exc):
            raise SqliteWriteRefused() from None
        raise
    finally:
        if trial and not keep_query_only:
            conn.execute("PRAGMA query_only = OFF")
