"""PgBouncer's admin console (the `pgbouncer` database) as a Database: it
speaks SHOW and a few commands in the simple query protocol only, so the
PostgreSQL probe, startup `options` and prepared statements are all left out.
The workspace shows the pooler pane for it instead of the catalog panes."""

from __future__ import annotations

import getpass
import os
import re
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
# PgBouncer's words to a user in neither admin_users nor stats_users (at login,
# whatever the password), and to a stats_users-only user's PAUSE, KILL, ….
_NOT_ALLOWED = re.compile(r"FATAL:\s+not allowed\s*$")
ADMIN_NEEDED = "admin access needed"


def is_admin_console(dbname: str | None) -> bool:
    """PgBouncer answers the database named `pgbouncer` itself, with its console."""
    return (dbname or "").lower() == ADMIN_DATABASE


def console_params(profile: Profile, password: str | None, tunnel: SshTunnel | None) -> dict[str, Any]:
    """libpq keywords for the console: the profile's, without `options` (PgBouncer
    rejects them). (connect_with prepares no statements: the console has none.)"""
    params = connection_params(profile, password, tunnel)
    params.pop("options", None)
    return params


def console_refused(user: str) -> ConnectFailure:
    """The console turned `user` away: which pgbouncer.ini setting lets it in."""
    return ConnectFailure(
        "not_allowed", f"PgBouncer does not let {user} use its admin console (the `pgbouncer` database).",
        f"In pgbouncer.ini, add {user} to stats_users (SHOW only) or admin_users (SHOW, PAUSE, RESUME, "
        "RECONNECT, KILL) and reload PgBouncer; or log in as a user listed there.")


def stats_only_reason(user: str) -> str:
    """Why a stats_users-only user's PAUSE/RESUME/RECONNECT/KILL is refused."""
    return (f"Read-only: {user} is in PgBouncer's stats_users, not admin_users; PAUSE, RESUME, RECONNECT and "
            f"KILL need {user} in admin_users in pgbouncer.ini.")


def connect_console(params: dict[str, Any], profile: Profile, tunnel: SshTunnel | None) -> psycopg.Connection[Any]:
    """connect_with for the console, its refusal said with the setting that grants it."""
    try:
        return connect_with(params, profile, tunnel)
    except ConnectFailure as failure:
        if _NOT_ALLOWED.search(failure.message):
            user = params.get("user") or profile.user or os.environ.get("PGUSER") or getpass.getuser()
            raise console_refused(str(user)) from None
        raise


def console_may_act(conn: psycopg.Connection[Any]) -> bool | None:
    """True when the console's user may PAUSE/RESUME/RECONNECT/KILL (admin_users),
    False when it may only SHOW (stats_users), None when SHOW CONFIG does not say."""
    user = conn.info.user
    if user == "pgbouncer" and conn.info.host.startswith("/"):
        return None  # PgBouncer's own OS user on its socket is admin whatever the lists say
    try:
        with psycopg.ClientCursor(conn) as cursor:
            cursor.execute("SHOW CONFIG")
            rows = cursor.fetchall()
    except psycopg.Error:
        return None
    admins = next((str(row[1] or "") for row in rows if row[0] == "admin_users"), None)
    if admins is None:
        return None
    return user in re.split(r"[\s,]+", admins)


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


POOL_MODES = ("session", "transaction", "statement")
POOL_MODE_UNKNOWN = "unknown"
CONSOLE_CONNECT_TIMEOUT = 5  # seconds: the console sits where the pooler just answered


def pool_mode_from(databases: list[tuple[Any, ...]], columns: list[str], config: list[tuple[Any, ...]],
                   database: str | None) -> str:
    """The pool mode of `database` from SHOW DATABASES (its own, or the `*`
    fallback's) and SHOW CONFIG (the default); POOL_MODE_UNKNOWN if neither says."""
    named = {str(row[columns.index("name")]): row for row in databases} if "name" in columns else {}
    row = named.get(database or "") or named.get("*")
    mode = str(row[columns.index("pool_mode")] or "") if row is not None and "pool_mode" in columns else ""
    if not mode:
        mode = next((str(r[1] or "") for r in config if r and r[0] == "pool_mode"), "")
    return mode if mode in POOL_MODES else POOL_MODE_UNKNOWN


def learn_pool_mode(params: dict[str, Any], profile: Profile, tunnel: SshTunnel | None) -> str:
    """How PgBouncer pools the profile's database, asked of its admin console with
    the profile's own login (`params`: the connection's). POOL_MODE_UNKNOWN when the
    console turns the user away (admin_users / stats_users) or does not answer."""
    console = role_params(dict(params, dbname=ADMIN_DATABASE), POOLER_CONSOLE, CONSOLE_CONNECT_TIMEOUT)
    try:
        with connect_with(console, profile, tunnel) as conn, psycopg.ClientCursor(conn) as cursor:
            cursor.execute("SHOW DATABASES")
            databases = cursor.fetchall()
            columns = [c.name for c in cursor.description or ()]
            cursor.execute("SHOW CONFIG")
            config = cursor.fetchall()
    except (ConnectFailure, psycopg.Error, ValueError):
        return POOL_MODE_UNKNOWN
    return pool_mode_from(databases, columns, config, profile.database)


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
             tunnel: SshTunnel | None = None) -> PgBouncerConsole:
        """Connect (through the profile's ssh tunnel, started here, or through
        `tunnel` if one is given: its owner keeps it when connecting fails)."""
        owned = tunnel is None
        if tunnel is None:
            tunnel = tunnel_for(profile)
        with tunnel_started(tunnel, progress=progress, cancelled=cancelled, owned=owned):
            params = console_params(profile, password, tunnel)
            conn = connect_console(params, profile, tunnel)
            try:
                version = console_version(conn)
            except ConnectFailure:
                conn.close()
                raise
            # A stats_users-only console: SHOW works, the commands are refused.
            read_only = console_may_act(conn) is False
        info = ServerInfo(kind="pgbouncer", version=version, current_user=conn.info.user, database=profile.database,
                          read_only=read_only)
        return cls(conn=conn, info=info, profile=profile, params=params, tunnel=tunnel)

    def connect(self, role: Role | str) -> psycopg.Connection[Any]:
        """Another console connection for `role` (the pooler pane's, the fleet's)."""
        if self.tunnel is not None:
            self.tunnel.ensure_up()
            self.params["port"] = str(self.tunnel.local_port)
        return connect_console(role_params(self.params, role_named(role)), self.profile, self.tunnel)


    def catalog_rows(self, query: str, params: Params = None) -> list[Row]:
        """The console has no catalog and no lock_timeout: SHOW, in the simple protocol."""
        return self.read_rows(query, params)

    def read_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of one console command (SHOW …), in the simple query protocol."""
        with psycopg.ClientCursor(self.conn, row_factory=dict_row) as cursor:
            return list(cursor.execute(query, params).fetchall())

    def tls_session(self) -> str | None:
        """The console has no SQL that names the TLS protocol: None (transport() says whether TLS is used)."""
        return None

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
