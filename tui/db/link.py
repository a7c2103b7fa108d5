"""Telling a lost connection from one statement that failed; letting go of a pane's own."""

from __future__ import annotations

from typing import Any, Protocol

import psycopg
from psycopg import errors

from tui.db.base import ConnectFailure


class Closable(Protocol):
    def cancel(self) -> None: ...

    def close(self) -> None: ...


def is_connection_lost(exc: BaseException) -> bool:
    """True when the connection itself is gone (reconnect), as opposed to one
    statement failing (e.g. a statement_timeout, which is an OperationalError too)."""
    if isinstance(exc, ConnectFailure):
        return True  # reopening it failed: still lost
    if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, errors.QueryCanceled):
        return True
    return isinstance(exc, psycopg.InterfaceError)


def connection_answers(conn: Any) -> bool:
    """True while a pane's own psycopg connection still answers (one `SELECT 1`).

    After the link came back, a connection that sat idle through the outage still
    looks open until it is used: ask it once before the next real use, so the
    user's first action after a reconnect never fails with "connection lost".
    Inside the user's own transaction the `SELECT 1` is harmless; in a failed one
    the server's refusal still proves the link. Not a psycopg connection (SQLite): True.
    """
    if not isinstance(conn, psycopg.Connection):
        return True
    if conn.closed or conn.broken:
        return False
    try:
        conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    except psycopg.Error:
        return not conn.closed  # e.g. "current transaction is aborted": the link is fine
    return True


def first_line(reason: BaseException | str) -> str:
    """The first line of an error, for a one-line banner or status."""
    text = (str(reason).strip() or type(reason).__name__) if isinstance(reason, BaseException) else reason.strip()
    return text.splitlines()[0] if text else ""


def stop_and_close(handle: Closable) -> None:
    """Cancel what runs on a pane's own connection, then close it (close waits for
    the statement to unwind). Blocking: for a thread of its own at unmount."""
    for step in (handle.cancel, handle.close):
        try:
            step()
        except Exception:  # noqa: BLE001 - the pane is gone; nobody to tell
            pass
