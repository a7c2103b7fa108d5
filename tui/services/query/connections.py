"""The Query pane's connections of its own (the editor's session, the completion
catalog, an export), opened in one place: the only module of the Query services
that knows how each backend hands out a connection beside the app's own."""

from __future__ import annotations

import sqlite3
from typing import Any

from tui.db.base import Database


def postgres_connection(database: Database) -> Any:
    """A new psycopg connection with the profile's settings (TLS, tunnel, timeouts)."""
    return database.new_connection()  # PostgresDatabase's factory


def sqlite_connection(database: Database, read_only: bool) -> sqlite3.Connection:
    """A DB-API connection of its own on the profile's SQLite file."""
    from tui.db.sqlite import connect_file

    return connect_file(database.path, read_only)  # SqliteDatabase's file
