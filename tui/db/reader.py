"""The Browse tab's reader: one connection per pane, read-only.

PostgreSQL: a connection of the pane's own (so cancelling a slow page never
touches the other panes), every read in a READ ONLY transaction with the
profile's statement_timeout. SQLite: the engine's raw DB-API connection.
Queries are psycopg.sql compositions; placeholders come from `param()` so the
same builder serves both backends.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from psycopg import sql

from tui.db.base import ConnectFailure, Database
from tui.db.link import connection_answers
from tui.db.roles import BROWSE, role_transaction


class QueryError(Exception):
    """The database refused a query; the message is the server's own.

    `connection_lost`: the pane's connection died with it (the next load reopens one).
    """

    def __init__(self, message: str, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class Source(Protocol):
    """Runs composed queries for one pane."""

    dialect: str  # "postgresql" or "sqlite"

    def param(self, name: str) -> sql.Composable: ...

    def rows(self, query: sql.Composable, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def dicts(self, query: str | sql.Composable, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...

    def check_before_next_use(self) -> None: ...


def bound_text(query: sql.Composable, context: Any) -> str:
    """`query` as text to execute with parameters: the `%` inside identifiers and
    literals doubled, since psycopg composes them verbatim and would then read
    `50% off` as a placeholder. SQL() parts are query text already and stay as written."""
    if isinstance(query, sql.Composed):
        return "".join(bound_text(part, context) for part in query)
    text = query.as_string(context)
    return text.replace("%", "%%") if isinstance(query, sql.Identifier | sql.Literal) else text


class PostgresSource:
    """A pane's own psycopg connection, opened lazily from the workspace's database."""

    dialect = "postgresql"

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]],
                 statement_timeout: str | None = None) -> None:
        self._connect = connect  # a new autocommit connection
        self.statement_timeout = statement_timeout
        self._conn: psycopg.Connection[Any] | None = None
        self._check = False
        self._lock = threading.Lock()
        # One read at a time on the connection: a new load that started while a
        # cancelled one was still unwinding would otherwise open its transaction as a
        # savepoint inside the old one and lose it when that one rolls back.
        self._run_lock = threading.Lock()

    @property
    def conn(self) -> psycopg.Connection[Any]:
        with self._lock:
            if self._check and self._conn is not None and not connection_answers(self._conn):
                self._conn.close()
            self._check = False
            if self._conn is None or self._conn.closed:
                self._conn = self._connect()
            return self._conn

    def check_before_next_use(self) -> None:
        """After a reconnect: the connection may have died, idle, with the link;
        the next read asks it first and opens a new one if it does not answer."""
        self._check = True

    def param(self, name: str) -> sql.Composable:
        return sql.Placeholder(name)

    def _run(self, query: str | sql.Composable, params: dict[str, Any] | None, row_factory: Any) -> list[Any]:
        try:
            conn = self.conn
        except ConnectFailure as exc:  # reopening after a drop failed: still lost
            raise QueryError(exc.message, connection_lost=True) from None
        try:
            with self._run_lock, role_transaction(conn, BROWSE, statement_timeout=self.statement_timeout):
                text = query if isinstance(query, str) else bound_text(query, conn)
                with conn.cursor(row_factory=row_factory) as cur:
                    return cur.execute(text, params or {}).fetchall()  # type: ignore[arg-type]
        except psycopg.Error as exc:
            message = (exc.diag.message_primary or str(exc)) if exc.diag else str(exc)
            raise QueryError(message.strip(), connection_lost=conn.closed) from None

    def rows(self, query: sql.Composable, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        from psycopg.rows import tuple_row

        return self._run(query, params, tuple_row)

    def dicts(self, query: str | sql.Composable, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from psycopg.rows import dict_row

        return self._run(query, params, dict_row)

    def cancel(self) -> None:
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.cancel_safe(timeout=5)
            except Exception:  # noqa: BLE001 - cancel is best effort
                pass

    def close(self) -> None:
        """Waits for a read still running (cancel it first): closing a connection
        under another thread's statement is not safe."""
        with self._run_lock:
            if self._conn is not None:
                self._conn.close()


class SqliteSource:
    """A DB-API connection of the pane's own on the file (sqlite3 parses `:name`
    itself, respecting quoted identifiers, unlike SQLAlchemy's text())."""

    dialect = "sqlite"

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._raw: sqlite3.Connection | None = None
        # sqlite3 crashes the process (not an exception) when its connection is
        # closed while another thread's statement runs on it: reads and close take turns.
        self._run_lock = threading.Lock()

    def param(self, name: str) -> sql.Composable:
        return sql.SQL(":" + name)

    def check_before_next_use(self) -> None:
        """A local file has no link to lose."""

    def _cursor(self) -> Any:
        if self._raw is None:
            self._raw = self._connect()
        return self._raw.cursor()

    def rows(self, query: sql.Composable | str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:

        text = query if isinstance(query, str) else query.as_string(None)
        try:
            with self._run_lock:
                cur = self._cursor()
                return [tuple(r) for r in cur.execute(text, params or {}).fetchall()]
        except sqlite3.Error as exc:
            raise QueryError(str(exc)) from None

    def dicts(self, query: str | sql.Composable, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:

        text = query if isinstance(query, str) else query.as_string(None)
        try:
            with self._run_lock:
                cur = self._cursor()
                cur.execute(text, params or {})
                names = [d[0] for d in cur.description or []]
                return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        except sqlite3.Error as exc:
            raise QueryError(str(exc)) from None

    def cancel(self) -> None:
        if self._raw is not None:
            try:
                self._raw.interrupt()
            except Exception:  # noqa: BLE001 - best effort
                pass

    def close(self) -> None:
        """Waits for a read still running (cancel it first)."""
        with self._run_lock:
            if self._raw is not None:
                self._raw.close()
                self._raw = None


def source_for(database: Database, statement_timeout: str | None = None) -> Source:
    """The right Source for a workspace's database: a connection of the pane's own
    in the BROWSE role (db/roles.py), opened on first read."""
    if database.info.kind == "sqlite":
        return SqliteSource(lambda: database.connect(BROWSE))
    return PostgresSource(lambda: database.connect(BROWSE), statement_timeout)
