"""Run statements on a connection of their own: stream rows in batches, cancel
on the server, collect notices, report errors with their position. PostgreSQL
here; SQLite in sqlite_session.py; what a run returns in outcome.py.

Blocking: called from a worker thread. `cancel()` may be called from any thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

from tui.db.base import Database
from tui.db.link import connection_answers
from tui.db.roles import QUERY, set_local
from tui.services.query.classify import can_stream, transaction_control
from tui.services.query.outcome import Outcome, QueryError
from tui.services.query.results import BATCH, FIRST_BATCH, NUMERIC_OIDS, Column, ResultSet, encode_row
from tui.services.query.splitter import Statement
from tui.services.query.sqlite_session import SqliteSession

__all__ = ["NOT_IN_TRANSACTION", "Outcome", "PostgresSession", "QueryError", "Session", "SqliteSession",
           "open_session"]

_cursor_names = itertools.count(1)


# SQLSTATEs of a read-only trial refusing a write: read_only_sql_transaction, and
# active_sql_transaction / invalid_transaction_termination (must run outside a
# transaction block: VACUUM, CREATE INDEX CONCURRENTLY, a procedure that commits …).
READ_ONLY_REFUSAL = "25006"
NOT_IN_TRANSACTION = {"25001", "2D000"}
TRIAL_SAVEPOINT = "bastion_trial"


class PostgresSession:
    """A psycopg connection for the editor: autocommit unless the user says BEGIN."""

    def __init__(self, conn: Any, row_cap: int) -> None:
        import psycopg
        from psycopg.types.string import TextLoader

        self.conn = conn
        self.row_cap = row_cap
        self._run_lock = threading.Lock()
        self._notices: list[str] = []
        self._psycopg = psycopg
        # The profile's settings a pooler kept from the server: set in each transaction
        # (tui/services/query/transaction.py); empty when the startup options got through.
        self.local_settings: tuple[tuple[str, str], ...] = ()
        # Every value arrives as the server's text (timestamps in the server's
        # form, no parsing cost): the grid shows text, exports re-run the query.
        for info in conn.adapters.types:
            conn.adapters.register_loader(info.oid, TextLoader)
            if info.array_oid:
                conn.adapters.register_loader(info.array_oid, TextLoader)
        conn.add_notice_handler(self._on_notice)

    @classmethod
    def open(cls, database: Database, row_cap: int) -> PostgresSession:
        return cls(database.connect(QUERY), row_cap)

    def _on_notice(self, diag: Any) -> None:
        self._notices.append(f"{diag.severity}: {diag.message_primary}")

    def transaction_status(self) -> str:
        if self.conn.closed or self.conn.broken:
            return "connection lost"
        status = self.conn.info.transaction_status
        tx = self._psycopg.pq.TransactionStatus
        return {
            tx.IDLE: "idle", tx.INTRANS: "in transaction", tx.INERROR: "in failed transaction",
            tx.ACTIVE: "running",
        }.get(status, "connection lost")

    def answers(self) -> bool:
        """Whether the connection still answers (blocking: one `SELECT 1`, see
        `tui.db.link.connection_answers`): asked once after the link came back."""
        return connection_answers(self.conn)

    def run(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None = None) -> Outcome:
        """Execute one statement; rows go into a ResultSet batch by batch."""
        with self._run_lock:  # close() waits for it
            return self._run(statement, on_rows)

    def _run(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None) -> Outcome:
        outcome = Outcome(statement)
        self._notices.clear()
        started = time.perf_counter()
        try:
            streamable = can_stream(statement) and self.transaction_status() in ("idle", "in transaction")
            if streamable:
                self._run_streaming(statement, outcome, on_rows)
            elif self.local_settings and self.transaction_status() == "idle" and not transaction_control(statement):
                self._run_plain_with_settings(statement, outcome, on_rows)
            else:
                self._run_plain(statement, outcome, on_rows)
                if transaction_control(statement) == "begin" and self.transaction_status() == "in transaction":
                    set_local(self.conn, self.local_settings)  # the user's own BEGIN gets them too
        except self._psycopg.errors.QueryCanceled as exc:
            outcome.cancelled = "user request" in str(exc)
            outcome.error = None if outcome.cancelled else self._error(exc, statement)
        except self._psycopg.Error as exc:
            outcome.error = self._error(exc, statement)
            outcome.connection_lost = self.transaction_status() == "connection lost"
        finally:
            outcome.elapsed = time.perf_counter() - started
            outcome.notices = list(self._notices)
            if outcome.result is not None:
                outcome.result.done = True
        return outcome

    def trial(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None = None) -> Outcome:
        """Run the statement in a read-only transaction: a read's one real run, or a
        write the server refused before touching anything (`outcome.write_refused`).

        Idle session: BEGIN READ ONLY … COMMIT. Inside the user's transaction: a
        savepoint with transaction_read_only on, rolled back after (which also
        reverts the setting: it cannot be switched off again inside the transaction).
        """
        with self._run_lock:
            status = self.transaction_status()
            if status == "idle":
                opening, closing = [], ["COMMIT"]
                self._open_transaction("BEGIN READ ONLY")
            elif status == "in transaction":
                opening = [f"SAVEPOINT {TRIAL_SAVEPOINT}", "SET LOCAL transaction_read_only = on"]
                closing = [f"ROLLBACK TO SAVEPOINT {TRIAL_SAVEPOINT}", f"RELEASE SAVEPOINT {TRIAL_SAVEPOINT}"]
            else:
                return self._run(statement, on_rows)  # a failed transaction refuses all but ROLLBACK
            for command in opening:
                self.conn.execute(command)
            outcome = self._run(statement, on_rows)
            if self.transaction_status() != "connection lost":
                for command in closing:
                    self.conn.execute(command)
            sqlstate = outcome.error.sqlstate if outcome.error else None
            outcome.outside_transaction = status == "idle" and sqlstate in NOT_IN_TRANSACTION
            outcome.write_refused = sqlstate == READ_ONLY_REFUSAL or outcome.outside_transaction
            return outcome

    def begin(self) -> None:
        """Open a transaction of ours: a confirmed write's, or manual-commit mode's (see end_transaction)."""
        with self._run_lock:
            self._open_transaction("BEGIN")

    def _open_transaction(self, begin: str) -> None:
        self.conn.execute(begin)
        set_local(self.conn, self.local_settings)

    def end_transaction(self, commit: bool) -> QueryError | None:
        """COMMIT or ROLLBACK the open transaction; a failed COMMIT (a deferred
        constraint) is the statement's error, and the transaction is gone."""
        with self._run_lock:
            try:
                self.conn.execute("COMMIT" if commit else "ROLLBACK")
            except self._psycopg.Error as exc:
                if self.transaction_status() == "connection lost":
                    raise
                error = self._error(exc, Statement("", 0, ()))
                error.message, error.position = f"COMMIT failed: {error.message}", None
                return error
            return None

    def _columns(self, cursor: Any) -> list[Column]:
        return [Column(d.name, d.type_code in NUMERIC_OIDS, d.type_code) for d in cursor.description]

    def _run_streaming(self, statement: Statement, outcome: Outcome,
                       on_rows: Callable[[ResultSet], None] | None) -> None:
        # A cursor needs a transaction: our own BEGIN…COMMIT in autocommit, or the
        # user's own (an error then fails it, as in psql).
        if self.transaction_status() == "idle":
            with self.conn.transaction():
                set_local(self.conn, self.local_settings)
                self._declare_and_fetch(statement, outcome, on_rows)
        else:
            self._declare_and_fetch(statement, outcome, on_rows)

    def _declare_and_fetch(self, statement: Statement, outcome: Outcome,
                           on_rows: Callable[[ResultSet], None] | None) -> None:
        name = f"bastion_result_{next(_cursor_names)}"
        declare = f'DECLARE "{name}" NO SCROLL CURSOR FOR '
        with self.conn.cursor() as cursor:
            try:
                cursor.execute(declare + statement.text, getattr(statement, "params", None))
            except self._psycopg.Error as exc:
                exc.bastion_shift = len(declare)  # type: ignore[attr-defined]
                raise
            cursor.execute(f'FETCH {FIRST_BATCH} FROM "{name}"')
            result = ResultSet(self._columns(cursor), cap=self.row_cap)
            outcome.result = result
            batch = cursor.fetchall()
            while batch:
                keep_going = result.add_rows([encode_row(row) for row in batch])
                if on_rows:
                    on_rows(result)
                if not keep_going:
                    cursor.execute(f'FETCH 1 FROM "{name}"')
                    result.capped = result.capped or bool(cursor.fetchall())
                    break
                cursor.execute(f'FETCH {BATCH} FROM "{name}"')
                batch = cursor.fetchall()
            cursor.execute(f'CLOSE "{name}"')
            outcome.rowcount = len(result)
            outcome.tag = f"SELECT {len(result)}"

    def _run_plain(self, statement: Statement, outcome: Outcome,
                   on_rows: Callable[[ResultSet], None] | None) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(statement.text, getattr(statement, "params", None))  # a saved query's values
            if cursor.description:
                result = ResultSet(self._columns(cursor), cap=self.row_cap)
                outcome.result = result
                self._fetch(cursor, result, on_rows)
            outcome.tag = cursor.statusmessage or ""
            outcome.rowcount = cursor.rowcount

    def _run_plain_with_settings(self, statement: Statement, outcome: Outcome,
                                 on_rows: Callable[[ResultSet], None] | None) -> None:
        # Autocommit behind a pooler: the statement in a transaction of its own that
        # carries the profile's settings; one that must run outside (VACUUM …) is
        # refused by the server before it does anything, then runs as it is.
        self._open_transaction("BEGIN")
        try:
            self._run_plain(statement, outcome, on_rows)
        except self._psycopg.Error as exc:
            if self.transaction_status() != "connection lost":
                self.conn.execute("ROLLBACK")
            if exc.diag.sqlstate not in NOT_IN_TRANSACTION:
                raise
            outcome.result = None
            self._run_plain(statement, outcome, on_rows)
            return
        self.conn.execute("COMMIT")

    def _fetch(self, cursor: Any, result: ResultSet, on_rows: Callable[[ResultSet], None] | None) -> None:
        size = FIRST_BATCH
        while True:
            batch = cursor.fetchmany(size)
            if not batch:
                break
            keep_going = result.add_rows([encode_row(row) for row in batch])
            if on_rows:
                on_rows(result)
            if not keep_going:
                # Full: say "capped" only if the server had more to send.
                result.capped = result.capped or bool(cursor.fetchmany(1))
                break
            size = BATCH

    def _error(self, exc: Any, statement: Statement) -> QueryError:
        diag = exc.diag
        position = None
        if diag.statement_position:
            # Positions count from 1 in what was sent (after our DECLARE prefix, if any).
            sent_position = int(diag.statement_position) - getattr(exc, "bastion_shift", 0)
            position = statement.start + max(0, sent_position - 1)
        return QueryError(
            message=diag.message_primary or str(exc).strip(), sqlstate=diag.sqlstate,
            detail=diag.message_detail, hint=diag.message_hint, context=diag.context, position=position,
        )

    def cancel(self) -> None:
        try:
            self.conn.cancel_safe(timeout=5)
        except Exception:  # noqa: BLE001 - nothing running, or the link is gone
            pass

    def close(self) -> None:
        """Waits for a statement still running (cancel it first)."""
        with self._run_lock:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001
                pass


Session = PostgresSession | SqliteSession


def open_session(database: Database, row_cap: int) -> Session:
    """A session of its own for the editor, so a long query never blocks the sidebar."""
    if database.info.kind == "sqlite":
        return SqliteSession.open(database, row_cap)
    return PostgresSession.open(database, row_cap)
