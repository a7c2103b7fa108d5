"""Cancel and terminate, with the checks pg_activity skips: the pid must still
belong to the same backend (pids are reused), and never bastion's own or a
non-client backend."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from tui.db.link import connection_answers
from tui.db.roles import ACTIVITY_ACTIONS, role_transaction
from tui.formatting import first_line
from tui.services.activity.sessions import CLIENT_BACKEND, Session
from tui.sql import activity as q

ACTIONS = {"cancel": q.CANCEL_BACKEND, "terminate": q.TERMINATE_BACKEND}

T = TypeVar("T")


class ActionConnection:
    """The Activity pane's second connection, for sub-views, the session detail and
    signals, so that none of them can delay a refresh on the polling one.

    Opened on first use and reopened once closed; after a reconnect of the
    workspace (`check_first`) it is asked once before its next use. Thread-safe:
    one use at a time, and close() waits for the running one (a connection closed
    under a running statement is not safe)."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self._connect = connect
        self.conn: psycopg.Connection[Any] | None = None
        self.check_first = False  # after a reconnect: ask the connection before its next use
        self._busy = False
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        """The backend pid of the connection while it is open (bastion's own: never signalled)."""
        conn = self.conn
        return conn.info.backend_pid if conn is not None and not conn.closed else None

    def _open(self) -> psycopg.Connection[Any]:
        if self.check_first and self.conn is not None and not connection_answers(self.conn):
            self.conn.close()
        self.check_first = False
        if self.conn is None or self.conn.closed:
            self.conn = self._connect()  # named by its role (db/roles.py: ACTIVITY_ACTIONS)
        return self.conn

    def run(self, use: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`use(conn)` in a transaction of its own, with a statement_timeout that ends
        with it (a detail or view query must not wait forever behind a lock queue, and
        a transaction pooler hands the server connection on: no session setting may
        stay behind). Blocking: call from a worker."""
        with self._lock:
            conn = self._open()
            self._busy = True
            try:
                with role_transaction(conn, ACTIVITY_ACTIONS):
                    return use(conn)
            finally:
                self._busy = False

    def cancel(self) -> None:
        """Cancel the statement running now, if any (from another thread)."""
        conn = self.conn
        if self._busy and conn is not None and not conn.closed:
            conn.cancel_safe(timeout=2)

    def close(self) -> None:
        """Close the connection once the running use, if any, has finished."""
        with self._lock:
            conn, self.conn = self.conn, None
            if conn is not None:
                try:
                    conn.close()
                except psycopg.Error:
                    pass


@dataclass(frozen=True)
class ActionResult:
    """What happened to one pid: `sent` is PostgreSQL's true/false, None if not sent."""

    pid: int
    action: str
    sent: bool | None
    message: str

    @property
    def ok(self) -> bool:
        return bool(self.sent)


def refusal(session: Session, own_pids: frozenset[int]) -> str | None:
    """Why this session must not be signalled from here, or None."""
    if session.pid in own_pids:
        return f"pid {session.pid} is bastion's own connection"
    if session.backend_type is not None and session.backend_type != CLIENT_BACKEND:
        extra = f"; signal its leader {session.leader_pid}" if session.leader_pid else ""
        return f"pid {session.pid} is a {session.backend_type}, not a client session{extra}"
    return None


def signal_backend(conn: psycopg.Connection[Any], action: str, pid: int,
                   backend_start: datetime | None, own_pids: frozenset[int]) -> ActionResult:
    """Re-check the pid's identity, then pg_cancel_backend / pg_terminate_backend.

    Runs on the action connection, never on the polling one."""
    sql_text = ACTIONS[action]
    if pid in own_pids:
        return ActionResult(pid, action, None, f"Refused: pid {pid} is bastion's own connection.")
    try:
        with conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(q.SESSION_IDENTITY, {"pid": pid}).fetchone()
            if row is None:
                return ActionResult(pid, action, None, f"pid {pid} has ended; nothing was sent.")
            if row["backend_type"] is not None and row["backend_type"] != CLIENT_BACKEND:
                return ActionResult(pid, action, None,
                                    f"Refused: pid {pid} is a {row['backend_type']}, not a client session.")
            if backend_start is None or row["backend_start"] is None:
                return ActionResult(pid, action, None,
                                    f"Refused: cannot check that pid {pid} is still the same session "
                                    "(its start time is hidden; pg_read_all_stats would show it).")
            if row["backend_start"] != backend_start:
                return ActionResult(pid, action, None,
                                    f"Refused: pid {pid} now belongs to another session "
                                    f"(started {row['backend_start']:%H:%M:%S}); nothing was sent.")
            result = cur.execute(sql_text, {"pid": pid}).fetchone()
    except psycopg.Error as exc:
        return ActionResult(pid, action, None, f"pid {pid}: {first_line(exc)}")
    sent = bool(result and next(iter(result.values())))
    verb = "cancel" if action == "cancel" else "terminate"
    message = (f"pid {pid}: {verb} signal sent (true)." if sent
               else f"pid {pid}: PostgreSQL answered false (the process was not signalled).")
    return ActionResult(pid, action, sent, message)
