"""Telling a lost connection from one statement that failed; letting go of a pane's own."""

from __future__ import annotations

from typing import Protocol

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
