"""Telling a lost connection from one statement that failed; letting go of a pane's own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from psycopg import errors

from tui.db.base import ConnectFailure


class Closable(Protocol):
    def cancel(self) -> None: ...

    def close(self) -> None: ...


class Closeable(Protocol):
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


def stop_and_close(handle: Closable) -> None:
    """Cancel what runs on a pane's own connection, then close it (close waits for
    the statement to unwind). Blocking: for a thread of its own at unmount."""
    for step in (handle.cancel, handle.close):
        try:
            step()
        except Exception:  # noqa: BLE001 - the pane is gone; nobody to tell
            pass


def in_background(step: Callable[[], object], name: str) -> None:
    """Run one blocking step on a connection (cancel, close) on a daemon thread of its
    own, so neither the UI thread nor a worker the app waits for at exit waits for the
    network. Errors are dropped: whoever asked has moved on."""

    def run() -> None:
        try:
            step()
        except Exception:  # noqa: BLE001 - nobody left to tell
            pass

    threading.Thread(target=run, name=name, daemon=True).start()


def close_in_background(handle: Closable | Closeable | None, name: str = "bastion-close") -> None:
    """Let go of a pane's own connection (or session, or source) without waiting: what
    runs on it is cancelled first when it can be, then it is closed."""
    if handle is None:
        return
    if hasattr(handle, "cancel"):
        in_background(lambda: stop_and_close(handle), name)  # type: ignore[arg-type]
    else:
        in_background(handle.close, name)
