"""The editor's session on an SQLite file: autocommit, rows in batches, cancel
via interrupt(); a read-only trial with PRAGMA query_only.

Blocking: called from a worker thread. `cancel()` may be called from any thread.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

from tui.db.base import Database
from tui.db.roles import QUERY
from tui.services.query.classify import first_keyword
from tui.services.query.outcome import Outcome, QueryError
from tui.services.query.results import BATCH, FIRST_BATCH, Column, ResultSet, encode_row
from tui.services.query.splitter import Statement


class SqliteSession:
    """A DB-API sqlite3 connection in autocommit mode; cancel via interrupt()."""

    def __init__(self, conn: sqlite3.Connection, row_cap: int, read_only: bool = False) -> None:
        self.conn = conn
        self.read_only = read_only  # PRAGMA query_only stays on for good
        self.conn.isolation_level = None  # autocommit; BEGIN/COMMIT typed by the user work
        self.row_cap = row_cap
        # sqlite3 crashes the process when the connection is closed under a running
        # statement of another thread: close() waits for run().
        self._run_lock = threading.Lock()

    @classmethod
    def open(cls, database: Database, row_cap: int) -> SqliteSession:
        # A read-only profile's file is opened mode=ro, with PRAGMA query_only (db/sqlite.py).
        return cls(database.connect(QUERY), row_cap, read_only=database.info.read_only)

    def transaction_status(self) -> str:
        return "in transaction" if self.conn.in_transaction else "idle"

    def answers(self) -> bool:
        """A file does not drop its connection."""
        return True

    def run(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None = None) -> Outcome:
        """Execute one statement; rows go into a ResultSet batch by batch."""
        with self._run_lock:  # close() waits for it
            return self._run(statement, on_rows)

    def _run(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None) -> Outcome:
        outcome = Outcome(statement)
        started = time.perf_counter()
        cursor = self.conn.cursor()
        try:
            cursor.execute(statement.text, getattr(statement, "params", None) or ())
            if cursor.description:
                result = ResultSet([Column(d[0]) for d in cursor.description], cap=self.row_cap)
                outcome.result = result
                size = FIRST_BATCH
                while batch := cursor.fetchmany(size):
                    keep_going = result.add_rows([encode_row(row) for row in batch])
                    if on_rows:
                        on_rows(result)
                    if not keep_going:
                        break
                    size = BATCH
                outcome.rowcount = len(result)
                outcome.tag = f"SELECT {len(result)}"
            else:
                outcome.rowcount = cursor.rowcount
                outcome.tag = f"{statement.keywords[0].removesuffix('_P') if statement.keywords else 'OK'}" + (
                    f" {cursor.rowcount}" if cursor.rowcount >= 0 else "")
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                outcome.cancelled = True
            else:
                outcome.error = QueryError(str(exc), sqlstate=getattr(exc, "sqlite_errorname", None))
        except sqlite3.Error as exc:
            outcome.error = QueryError(str(exc), sqlstate=getattr(exc, "sqlite_errorname", None))
        finally:
            cursor.close()
            outcome.elapsed = time.perf_counter() - started
            if outcome.result is not None:
                outcome.result.done = True
        return outcome

    def trial(self, statement: Statement, on_rows: Callable[[ResultSet], None] | None = None) -> Outcome:
        """Run the statement with PRAGMA query_only on: a read's one real run, or a
        write SQLite refused before touching anything (`outcome.write_refused`)."""
        with self._run_lock:
            self.conn.execute("PRAGMA query_only = ON")
            try:
                outcome = self._run(statement, on_rows)
            finally:
                if not self.read_only:
                    self.conn.execute("PRAGMA query_only = OFF")
        outcome.write_refused = outcome.error is not None and outcome.error.sqlstate == "SQLITE_READONLY"
        # VACUUM cannot run inside a transaction: confirmed, then run on its own.
        outcome.outside_transaction = outcome.write_refused and first_keyword(statement) == "VACUUM"
        return outcome

    def begin(self) -> None:
        """Open a transaction of ours for a confirmed write (see end_transaction)."""
        with self._run_lock:
            self.conn.execute("BEGIN")

    def end_transaction(self, commit: bool) -> QueryError | None:
        """COMMIT or ROLLBACK the transaction of begin(); a failed COMMIT is the statement's error."""
        with self._run_lock:
            try:
                self.conn.execute("COMMIT" if commit else "ROLLBACK")
            except sqlite3.Error as exc:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                return QueryError(f"COMMIT failed: {exc}", sqlstate=getattr(exc, "sqlite_errorname", None))
            return None

    def cancel(self) -> None:
        self.conn.interrupt()

    def close(self) -> None:
        """Waits for a statement still running (cancel it first)."""
        with self._run_lock:
            self.conn.close()
