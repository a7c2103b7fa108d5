"""PgBouncer's admin console (the `pgbouncer` database) as a Database: it
speaks SHOW and a few commands in the simple query protocol only, so the
PostgreSQL probe, startup `options` and prepared statements are all left out.
The workspace shows the pooler pane for it instead of the catalog panes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tui.db.base import ConnectFailure, Params, Row, ServerInfo, Transport
from tui.db.postgres import (
    classify_failure,
    connect_with,
    connection_params,
    quote_table,
    transport_of,
    tunnel_for,
    tunnel_started,
)
from tui.db.roles import POOLER_CONSOLE, Role, role_named, role_params
from tui.db.tunnel import SshTunnel
from tui.formatting import first_line
from tui.profiles import Profile

ADMIN_DATABASE = "pgbouncer"


def is_admin_console(dbname: str | None) -> bool:
    """PgBouncer answers the database named `pgbouncer` itself, with its console."""
    return (dbname or "").lower() == ADMIN_DATABASE


def console_params(profile: Profile, password: str | None, tunnel: SshTunnel | None) -> dict[str, Any]:
    """libpq keywords for the console: the profile's, without `options` (PgBouncer
    rejects them). (connect_with prepares no statements: the console has none.)"""
    params = connection_params(profile, password, tunnel)
    params.pop("options", None)
    return params


def console_version(conn: psycopg.Connection[Any]) -> str:
    """'1.18.0' from SHOW VERSION; ConnectFailure when this is no PgBouncer console."""
    try:
        with psycopg.ClientCursor(conn) as cursor:
            cursor.execute("SHOW VERSION")
            row = cursor.fetchone()
    except psycopg.Error as exc:
        raise ConnectFailure("unsupported", "This `pgbouncer` database is not a PgBouncer admin console.",
                             f"SHOW VERSION failed: {first_line(exc)}") from None
    text = str(row[0]) if row else "PgBouncer"
    return text.removeprefix("PgBouncer ").split(" ", 1)[0]


@dataclass
class PgBouncerConsole:
    """An open admin console connection plus the facts the header shows."""

    conn: psycopg.Connection[Any]
    info: ServerInfo
    profile: Profile
    params: dict[str, Any]
    tunnel: SshTunnel | None = None

    @classmethod
    def open(cls, profile: Profile, password: str | None = None, *,
             progress: Callable[[str], None] | None = None, cancelled: threading.Event | None = None,
             ) -> PgBouncerConsole:
        tunnel = tunnel_for(profile)
        with tunnel_started(tunnel, progress=progress, cancelled=cancelled):
            params = console_params(profile, password, tunnel)
            conn = connect_with(params, profile, tunnel)
            try:
                version = console_version(conn)
            except ConnectFailure:
                conn.close()
                raise
        info = ServerInfo(kind="pgbouncer", version=version, current_user=profile.user, database=profile.database)
        return cls(conn=conn, info=info, profile=profile, params=params, tunnel=tunnel)

    def connect(self, role: Role | str) -> psycopg.Connection[Any]:
        """Another console connection for `role` (the pooler pane's, the fleet's)."""
        if self.tunnel is not None:
            self.tunnel.ensure_up()
            self.params["port"] = str(self.tunnel.local_port)
        return connect_with(role_params(self.params, role_named(role)), self.profile, self.tunnel)


    def catalog_rows(self, query: str, params: Params = None) -> list[Row]:
        """The console has no catalog and no lock_timeout: SHOW, in the simple protocol."""
        return self.read_rows(query, params)

    def read_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of one console command (SHOW …), in the simple query protocol."""
        with psycopg.ClientCursor(self.conn, row_factory=dict_row) as cursor:
            return list(cursor.execute(query, params).fetchall())

    def quote_table(self, schema: str, name: str) -> str:
        return quote_table(self.conn, schema, name)

    def transport(self) -> Transport:
        return transport_of(self.conn, self.profile, self.tunnel)

    def ping(self) -> bool:
        if self.conn.closed:
            return False
        try:
            with psycopg.ClientCursor(self.conn) as cursor:
                cursor.execute("SHOW VERSION")
        except psycopg.OperationalError:
            return False
        except psycopg.Error:
            return not self.conn.closed
        return True

    def reconnect(self) -> None:
        try:
            conn = self.connect(POOLER_CONSOLE)
        except psycopg.Error as exc:
            raise classify_failure(exc, self.profile) from None
        old, self.conn = self.conn, conn
        try:
            old.close()
        except psycopg.Error:
            pass

    def cancel(self) -> None:
        """The console runs nothing long: nothing to cancel."""

    def watch_tunnel(self, on_drop: Callable[[str], None] | None) -> None:
        if self.tunnel is not None:
            self.tunnel.on_drop = on_drop

    def close(self) -> None:
        try:
            self.conn.close()
        except psycopg.Error:
            pass
        if self.tunnel is not None:
            self.tunnel.close()
