"""Opening databases: one module per backend behind one small interface."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tui.db.base import ConnectFailure, Connection, Database, Params, Row, ServerInfo, Transport
from tui.db.roles import ROLES, Role
from tui.profiles import Profile


def open_database(
    profile: Profile, password: str | None = None, *,
    progress: Callable[[str], None] | None = None, cancelled: threading.Event | None = None,
) -> Database:
    """Connect to the profile's database. Blocking: call it from a worker.

    `progress` hears each step (e.g. the ssh tunnel); `cancelled` stops a
    step that waits (the tunnel). Raises ConnectFailure with a message for a person.
    """
    if profile.is_sqlite:
        from tui.db.sqlite import SqliteDatabase

        return SqliteDatabase.open(profile)
    from tui.db.pgbouncer import PgBouncerConsole, is_admin_console

    if is_admin_console(profile.database):
        return PgBouncerConsole.open(profile, password, progress=progress, cancelled=cancelled)
    from tui.db.postgres import PostgresDatabase

    return PostgresDatabase.open(profile, password, progress=progress, cancelled=cancelled)


__all__ = ["ROLES", "ConnectFailure", "Connection", "Database", "Params", "Role", "Row", "ServerInfo", "Transport",
           "open_database"]
