"""SQLite through SQLAlchemy: never creates a file, opens read-only when asked."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from tui.db.base import ConnectFailure, Params, Row, ServerInfo, Transport
from tui.db.roles import Role, role_named
from tui.profiles import Profile


def sqlite_file_uri(path: Path, read_only: bool) -> str:
    """An SQLite URI that opens an existing file only (mode=rw never creates one)."""
    return f"file:{quote(str(path))}?mode={'ro' if read_only else 'rw'}"


def connect_file(path: Path, read_only: bool) -> sqlite3.Connection:
    """A DB-API connection of its own on an existing file (for a pane's worker).
    With a Database use `database.connect(role)`; the fleet polls files it has no Database for."""
    return sqlite3.connect(sqlite_file_uri(path.resolve(), read_only), uri=True, check_same_thread=False)


def sqlite_url(path: Path, read_only: bool) -> str:
    """The same, as a SQLAlchemy URL."""
    return f"sqlite+pysqlite:///{sqlite_file_uri(path, read_only)}&uri=true"


def quote_ident(*parts: str) -> str:
    """`"table"` or `"schema"."table"`: the `main` schema is left out."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts if part != "main")


@dataclass
class SqliteDatabase:
    """An SQLAlchemy engine on one existing SQLite file."""

    engine: Engine
    info: ServerInfo
    profile: Profile
    path: Path

    @classmethod
    def open(cls, profile: Profile) -> SqliteDatabase:
        if not profile.path:
            raise ConnectFailure("missing_file", "This SQLite profile has no `path`.")
        path = Path(profile.path).expanduser()
        if not path.exists():
            raise ConnectFailure(
                "missing_file",
                f"SQLite file not found: {path}",
                "bastion never creates database files: check `path` in the profile.",
            )
        if path.is_dir():
            raise ConnectFailure("missing_file", f"{path} is a directory, not a SQLite file.")
        engine = create_engine(sqlite_url(path.resolve(), profile.read_only))
        if profile.read_only:
            # Belt and braces: the file is opened mode=ro, and the connection refuses writes.
            @event.listens_for(engine, "connect")
            def _query_only(dbapi_conn: sqlite3.Connection, _record: object) -> None:
                dbapi_conn.execute("PRAGMA query_only = ON")

        try:
            with engine.connect() as conn:
                conn.execute(text("PRAGMA schema_version")).scalar()
        except SQLAlchemyError as exc:
            engine.dispose()
            cause = str(getattr(exc, "orig", exc))
            raise ConnectFailure(
                "other",
                f"Cannot open {path} as SQLite: {cause}",
                "Is it a SQLite database file, and readable by you?",
            ) from None
        info = ServerInfo(
            kind="sqlite",
            version=sqlite3.sqlite_version,
            database=path.name,
            read_only=profile.read_only,
        )
        return cls(engine=engine, info=info, profile=profile, path=path)

    def connect(self, role: Role | str) -> sqlite3.Connection:
        """A DB-API connection of its own for `role`: opened mode=ro when the role
        only reads or the profile is read-only (then with PRAGMA query_only too)."""
        read_only = role_named(role).read_only or self.profile.read_only
        conn = connect_file(self.path, read_only)
        if self.profile.read_only:
            conn.execute("PRAGMA query_only = ON")
        return conn

    def catalog_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a catalog read (sqlite_schema, pragmas) from the engine."""
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(query), params or {})]

    def read_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a read on an engine of its own, mode=ro whatever the profile says
        (mode=ro never writes, never creates a file); NullPool: no file handle
        outlives the read."""
        engine = create_engine(sqlite_url(self.path.resolve(), read_only=True), poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return [dict(row._mapping) for row in conn.execute(text(query), params or {})]
        finally:
            engine.dispose()

    def quote_table(self, schema: str, name: str) -> str:
        return quote_ident(schema, name)

    def transport(self) -> Transport:
        """A local file: no tunnel, no TLS, no password."""
        return Transport()

    def cancel(self) -> None:
        # SQLite statements run in-process; the query runner interrupts them itself.
        return None

    def ping(self) -> bool:
        """A file does not drop its connection: alive while it exists."""
        return self.path.exists()

    def reconnect(self) -> None:
        """Nothing to reopen: each use takes a connection from the engine."""
        if not self.path.exists():
            raise ConnectFailure("missing_file", f"SQLite file not found: {self.path}")

    def watch_tunnel(self, on_drop: object) -> None:
        """A local file: no tunnel to watch."""
        return None

    def close(self) -> None:
        self.engine.dispose()
