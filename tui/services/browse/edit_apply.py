"""Running a change set: every statement in one transaction, all or nothing.

On a connection of its own (the BROWSE_WRITE role, tui/db/roles.py), opened for
the change set and closed after it. A row that no longer matches what the user
saw (another session changed or deleted it) stops everything: the transaction
is rolled back and the row read again, so both versions can be shown.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from tui.db.base import ConnectFailure, Database
from tui.db.reader import QueryError, Source
from tui.db.roles import BROWSE_WRITE, role_transaction
from tui.services.browse.edit_sql import Statement, change_statements, param_text
from tui.services.browse.editable import EditColumn, EditTarget
from tui.services.browse.edits import ChangeSet, SeenRow
from tui.services.browse.rows import full_row


@dataclass
class Conflict:
    """A row changed (or deleted) by someone else since it was read."""

    target: EditTarget
    seen: SeenRow
    now: list[str | None] | None  # None: the row is gone

    def differences(self) -> list[tuple[str, str | None, str | None]]:
        """(column, what the user saw, what the row holds now) for each cell that differs."""
        if self.now is None:
            return []
        found = []
        for index, column in enumerate(self.target.relation.columns):
            seen, now = self.seen.values[index], self.now[index]
            if index in self.seen.cut and seen is not None and now is not None:
                now = now[: len(seen)]
            if seen != now:
                found.append((column.name, seen, now))
        return found

    def describe(self) -> str:
        """Both versions, in a few lines for a person."""
        key = ", ".join(f"{name} = {param_text(value, 30)}"
                        for name, value in zip(self.target.key, self.seen.key[-len(self.target.key):], strict=True))
        if self.now is None:
            return f"the row {key} was deleted by someone else since it was read"
        lines = [f"the row {key} was changed by someone else since it was read:"]
        lines += [f"  {name}: you saw {param_text(seen, 30)}, now {param_text(now, 30)}"
                  for name, seen, now in self.differences()]
        return "\n".join(lines)


class ApplyFailed(Exception):
    """Nothing was applied (or, with `outcome_unknown`, the commit's answer was lost)."""

    def __init__(self, message: str, statement: Statement | None = None, column: str | None = None,
                 conflict: Conflict | None = None, connection_lost: bool = False,
                 outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.statement = statement
        self.column = column
        self.conflict = conflict
        self.connection_lost = connection_lost
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class Applied:
    """What one committed change set did."""

    updated: int = 0
    deleted: int = 0
    inserted: int = 0

    def summary(self) -> str:
        parts = [f"{n} {word}" for n, word in ((self.updated, "updated"), (self.inserted, "inserted"),
                                               (self.deleted, "deleted")) if n]
        return "committed: " + (", ".join(parts) or "nothing")


class _RowChanged(Exception):
    def __init__(self, statement: Statement) -> None:
        super().__init__()
        self.statement = statement


def _first_failure(sent: list[tuple[Statement, psycopg.Cursor[Any]]]) -> tuple[Statement | None, Statement | None]:
    """After a pipeline failed: (the first row that had changed, None), or (None, the
    statement the server refused). Results arrive in order: those before the failing
    statement have theirs, it and those after it have none."""
    for statement, cursor in sent:
        if cursor.pgresult is None:
            return None, statement
        if statement.checked and cursor.rowcount != 1:
            return statement, None
    return None, None


def _server_message(exc: psycopg.Error) -> str:
    diag = exc.diag
    message = (diag.message_primary or str(exc)).strip()
    if diag.message_detail:
        message += f" ({diag.message_detail.strip()})"
    return message


def _failed_column(statement: Statement | None, named: str | None) -> str | None:
    """The cell an error belongs to: the one the server names, or the statement's only column."""
    if statement is None:
        return None
    if named and named in statement.columns:
        return named
    return statement.columns[0] if len(statement.columns) == 1 else None


class ChangeWriter:
    """Applies change sets to one database; `cancel` stops a running one (on the server)."""

    def __init__(self, database: Database, reader: Source) -> None:
        self.database = database
        self.reader = reader  # re-reads a changed row once the write was rolled back
        self._conn: psycopg.Connection[Any] | None = None

    def apply(self, changes: ChangeSet, statements: list[Statement] | None = None) -> Applied:
        """Run every statement in one transaction (blocking: call from a worker): the
        `statements` the user reviewed, else those of `changes` now.
        Raises ApplyFailed: the database is as it was (unless `outcome_unknown`)."""
        statements = statements if statements is not None else change_statements(changes)
        if not statements:
            return Applied()
        try:
            if changes.target.dialect == "sqlite":
                self._apply_sqlite(statements)
            else:
                self._apply_postgres(statements)
        except _RowChanged as changed:
            raise self._conflict(changes, changed.statement) from None
        counts = {kind: sum(1 for s in statements if s.kind == kind) for kind in ("update", "delete", "insert")}
        return Applied(counts["update"], counts["delete"], counts["insert"])

    def cancel(self) -> None:
        """Cancel the running statement on the server (best effort)."""
        conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.cancel_safe(timeout=5)
            except Exception:  # noqa: BLE001 - cancel is best effort
                pass

    def _apply_postgres(self, statements: list[Statement]) -> None:
        profile = self.database.profile
        try:
            conn = self.database.connect(BROWSE_WRITE)
        except ConnectFailure as exc:
            raise ApplyFailed(f"could not connect to save: {exc.message}", connection_lost=True) from None
        sent: list[tuple[Statement, psycopg.Cursor[Any]]] = []
        committing = False
        self._conn = conn  # one reference, read by cancel() from another thread
        try:
            with role_transaction(conn, BROWSE_WRITE, statement_timeout=BROWSE_WRITE.statement_timeout_for(profile)):
                # Every statement in one round trip (the pipeline's exit waits for all the
                # results), their row counts checked before COMMIT. Unnamed statements unless
                # the profile allows prepared ones (tui/db/postgres.py): safe behind a pooler.
                with conn.pipeline():
                    for statement in statements:
                        cursor = conn.cursor()
                        sent.append((statement, cursor))
                        cursor.execute(statement.text, statement.params)
                for statement, cursor in sent:
                    if statement.checked and cursor.rowcount != 1:
                        raise _RowChanged(statement)
                committing = True
        except psycopg.Error as exc:
            lost = conn.closed or conn.broken
            message = _server_message(exc)
            if committing and lost:
                raise ApplyFailed(f"the connection was lost during COMMIT: whether it was applied is unknown "
                                  f"(reload to see): {message}", connection_lost=True, outcome_unknown=True) from None
            if lost:
                message += " (connection lost: the server rolled the transaction back)"
            changed, failed = _first_failure(sent)
            if changed is not None:  # run one by one, this row would have stopped the set first
                raise _RowChanged(changed) from None
            raise ApplyFailed(message, failed, _failed_column(failed, exc.diag.column_name),
                              connection_lost=lost) from None
        finally:
            self._conn = None
            conn.close()

    def _apply_sqlite(self, statements: list[Statement]) -> None:
        conn: sqlite3.Connection = self.database.connect(BROWSE_WRITE)  # type: ignore[assignment]
        conn.isolation_level = None  # BEGIN and COMMIT are ours
        current: Statement | None = None
        try:
            conn.execute("PRAGMA foreign_keys = ON")  # SQLite checks foreign keys only when asked
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("BEGIN IMMEDIATE")
            for current in statements:
                cursor = conn.execute(current.text, current.params)
                if current.checked and cursor.rowcount != 1:
                    raise _RowChanged(current)
            current = None
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise ApplyFailed(str(exc), current, _failed_column(current, None)) from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _conflict(self, changes: ChangeSet, statement: Statement) -> ApplyFailed:
        seen = changes.deletes.get(statement.ref) or changes.edits[statement.ref].seen  # type: ignore[arg-type]
        try:
            now = full_row(self.reader, changes.target.relation, seen.key)
        except QueryError as exc:
            conflict = Conflict(changes.target, seen, None)
            return ApplyFailed(f"a row changed since it was read (and reading it again failed: {exc}); "
                               "nothing was applied", statement, conflict=conflict)
        conflict = Conflict(changes.target, seen, now)
        return ApplyFailed(conflict.describe() + "\nnothing was applied", statement, conflict=conflict)


def check_value(reader: Source, column: EditColumn, text: str) -> str:
    """The server's complaint about `text` as a value of the column's type ("" = it parses).
    A read: the cast runs in the reader's read-only transaction."""
    if reader.dialect != "postgresql" or not column.cast_type:
        return ""
    # cast_type is format_type()'s spelling from the catalog, not user input.
    query = sql.SQL("SELECT CAST({} AS {})::text").format(reader.param("value"), sql.SQL(column.cast_type))
    try:
        reader.rows(query, {"value": text})
    except QueryError as exc:
        return str(exc)
    return ""
