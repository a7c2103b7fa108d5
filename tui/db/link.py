"""Telling a lost connection from one statement that failed."""

from __future__ import annotations

import psycopg
from psycopg import errors

from tui.db.base import ConnectFailure


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
