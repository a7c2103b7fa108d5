"""PostgreSQL through psycopg 3: connection parameters, connect, probe, cancel."""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.rows import dict_row

from tui.db.base import ConnectFailure, Params, Row, ServerInfo, Transport
from tui.db.link import connection_answers
from tui.db.roles import WORKSPACE, Role, role_named, role_params, role_transaction
from tui.db.tunnel import DEFAULT_PORT, LOCALHOST, SshTunnel
from tui.profiles import Profile
from tui.profiles.parse import timeout_milliseconds
from tui.sql.connection import SERVER_PROBE, TLS_OF_THIS_SESSION

DEFAULT_CONNECT_TIMEOUT = 10
# How long a catalog or statistics read may wait for a lock (an application's
# ACCESS EXCLUSIVE, held or queued): then it gives up, and estimates instead.
CATALOG_LOCK_TIMEOUT = WORKSPACE.lock_timeout or "300ms"
KEEPALIVES = {"keepalives": "1", "keepalives_idle": "30", "keepalives_interval": "10", "keepalives_count": "3"}
_FILE_KEYS = ("sslrootcert", "sslcert", "sslkey")


def _escape_option_value(value: str) -> str:
    # libpq's `options` splits on spaces; a backslash keeps a space inside a value.
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


def server_options(profile: Profile) -> str | None:
    """The `options` string: the profile's own (or PGOPTIONS), plus the settings
    bastion enforces on the server (read-only, statement timeout, search_path)."""
    parts: list[str] = []
    base = profile.options if profile.options is not None else os.environ.get("PGOPTIONS")
    if base:
        parts.append(base)
    if profile.read_only:
        parts.append("-c default_transaction_read_only=on")
    if profile.statement_timeout:
        parts.append(f"-c statement_timeout={_escape_option_value(str(profile.statement_timeout))}")
    if profile.search_path:
        parts.append(f"-c search_path={_escape_option_value(profile.search_path)}")
    return " ".join(parts) or None


def connection_params(
    profile: Profile, password: str | None = None, tunnel: SshTunnel | None = None
) -> dict[str, Any]:
    """libpq keywords for a profile. What the profile leaves out, libpq fills in
    from PG* variables, the service file and .pgpass, as psql would.

    Through a tunnel, libpq connects to its local end (`hostaddr`) but keeps the
    database's own name in `host`, so `verify-full` checks the right name."""
    params: dict[str, Any] = {}
    for key, value in (
        ("host", profile.host),
        ("port", profile.port),
        ("dbname", profile.database),
        ("user", profile.user),
        ("service", profile.service),
        ("sslmode", profile.sslmode),
        ("application_name", profile.application_name),
    ):
        if value is not None:
            params[key] = str(value)
    for key in _FILE_KEYS:
        value = getattr(profile, key)
        if value:
            params[key] = value if value == "system" else str(Path(value).expanduser())
    if profile.connect_timeout is not None:
        params["connect_timeout"] = str(profile.connect_timeout)
    elif "PGCONNECT_TIMEOUT" not in os.environ:
        params["connect_timeout"] = str(DEFAULT_CONNECT_TIMEOUT)
    params["fallback_application_name"] = "bastion"
    params.update(KEEPALIVES)
    options = server_options(profile)
    if options:
        params["options"] = options
    if password is not None:
        params["password"] = password
    if tunnel is not None:
        params["port"] = str(tunnel.local_port)
        if tunnel.remote_host.startswith("/"):
            params["host"] = LOCALHOST  # a remote unix socket: no TLS, no name to check
        else:
            params["host"] = tunnel.remote_host
            params["hostaddr"] = LOCALHOST
    return params


def tunnel_for(profile: Profile) -> SshTunnel | None:
    """The ssh tunnel a profile needs (not started), or None."""
    if profile.ssh is None:
        return None
    remote_host = profile.host or "localhost"  # no host: the database runs on the jump host
    if "," in remote_host:
        raise ConnectFailure("unsupported", "An ssh tunnel reaches one database host; `host` lists several.",
                             "Keep one host in the profile, or make one profile per host.")
    return SshTunnel(profile.ssh, remote_host, profile.port or 5432,
                     connect_timeout=profile.connect_timeout or DEFAULT_CONNECT_TIMEOUT)


@contextlib.contextmanager
def tunnel_started(
    tunnel: SshTunnel | None, *, progress: Callable[[str], None] | None = None,
    cancelled: threading.Event | None = None, owned: bool = True,
) -> Iterator[SshTunnel | None]:
    """Start `tunnel` (if any, and not up yet) for what the block connects through
    it; if the block fails, close the tunnel again (when it is ours to close)."""
    try:
        if tunnel is not None and not tunnel.alive:
            if progress:
                progress(f"Opening the ssh tunnel: {tunnel.description}")
            tunnel.start(cancelled)
            if progress:
                progress(f"Tunnel up on {LOCALHOST}:{tunnel.local_port}; connecting through it")
        yield tunnel
    except BaseException:
        if tunnel is not None and owned:
            tunnel.close()
        raise


def connect_role(profile: Profile, password: str | None, role: Role | str, tunnel: SshTunnel | None = None,
                 connect_timeout: int | None = None) -> psycopg.Connection[Any]:
    """A connection for `role` straight from a profile (no Database: the fleet's
    monitors); `connect_timeout` caps the role's. Raises ConnectFailure."""
    params = role_params(connection_params(profile, password, tunnel), role_named(role), connect_timeout)
    return connect_with(params, profile, tunnel)


def transport_of(conn: psycopg.Connection[Any], profile: Profile, tunnel: SshTunnel | None) -> Transport:
    """Tunnel, TLS and password facts of an open connection (libpq's, no round trip)."""
    return Transport(tunnel=tunnel.description if tunnel is not None else None, tls=bool(conn.pgconn.ssl_in_use),
                     sslmode=profile.sslmode, password_used=bool(conn.pgconn.used_password))


def quote_table(conn: psycopg.Connection[Any], schema: str, name: str) -> str:
    """`"schema"."name"`, quoted by libpq."""
    return pgsql.Identifier(schema, name).as_string(conn)


# How libpq phrases the failures a person can act on, most specific first.
_FAILURE_PATTERNS: list[tuple[str, str]] = [
    (r"no password supplied|password is required", "password_required"),
    (r"password authentication failed|authentication failed", "auth"),
    (r'role ".*" does not exist', "auth"),
    (r'database ".*" does not exist', "database_missing"),
    # Before "SSL": the first byte back was not PostgreSQL's, or what followed an
    # "S" (taken for yes to TLS: "SSH-2.0-...") was no TLS at all, or nothing: an
    # SSH, HTTP, Redis... server on the port. (PostgreSQL's "S" is always followed
    # by a TLS handshake; a cut link reads "SSL SYSCALL error", not these.)
    (r"received invalid response to SSL negotiation|expected authentication request from server, but received"
     r"|SSL error: wrong version number|SSL error: unexpected eof while reading", "not_postgres"),
    (r"timeout expired", "timeout"),
    (r"certificate|SSL|ssl|TLS|tls", "tls"),
    (
        r"could not translate host name|Connection refused|No route to host|"
        r"Network is unreachable|could not connect|No such file or directory|"
        r"server closed the connection|Name or service not known",
        "unreachable",
    ),
]


def _tls_hint(message: str, profile: Profile) -> str:
    if "does not support SSL" in message:
        return "The server does not offer TLS: set sslmode to 'prefer' or 'disable' only if you trust the network."
    if "root certificate file" in message and "does not exist" in message:
        return _provider_ca_hint(profile) or (
            "sslmode=verify-ca/verify-full needs the CA: set sslrootcert to your provider's CA file.")
    if "does not match host name" in message:
        return (
            "The certificate does not name this host: connect with the host name on the "
            "certificate, or use sslmode=verify-ca if you accept any name."
        )
    if "certificate verify failed" in message or "unable to get local issuer" in message:
        return _provider_ca_hint(profile) or (
            "The server's certificate is not signed by a CA you trust: set sslrootcert to the CA that signed it.")
    return f"Check sslmode (now {profile.sslmode or 'prefer'}) and sslrootcert/sslcert/sslkey."


def _provider_ca_hint(profile: Profile) -> str:
    """The provider's own CA advice, when the host is a managed provider's."""
    from tui.profiles.providers import provider_for, tls_advice

    provider = provider_for(profile.host)
    if provider is None:
        return ""
    return " ".join(tls_advice(provider, psycopg.pq.version())[1:])


def _host_port(profile: Profile) -> str:
    """`host:port` as libpq resolves the profile's (PGHOST/PGPORT and defaults)."""
    host = profile.host or os.environ.get("PGHOST") or "localhost"
    port = profile.port or os.environ.get("PGPORT") or DEFAULT_PORT
    via = f" (through the ssh tunnel via {profile.ssh.host})" if profile.ssh else ""
    return f"{host}:{port}{via}"


def classify_failure(exc: Exception, profile: Profile) -> ConnectFailure:
    """Turn a psycopg connect error into a ConnectFailure with a useful hint."""
    message = str(exc).strip() or type(exc).__name__
    # Drop libpq's "connection to server at … failed:" prefixes; keep every cause.
    summary = re.sub(r'(connection failed: )?connection to server (at|on) [^\n]*? failed: ', "", message)
    summary = " ".join(line.strip() for line in summary.splitlines() if line.strip())
    kind = next((kind for pattern, kind in _FAILURE_PATTERNS if re.search(pattern, message)), "other")
    target = profile.target()
    timeout = profile.connect_timeout or DEFAULT_CONNECT_TIMEOUT
    if kind == "not_postgres":
        return ConnectFailure(kind, f"Something other than PostgreSQL answered on {_host_port(profile)}.",
                              "Check the profile's host and port: is that the database's port, not an SSH, "
                              f"HTTP or other service's? (libpq: {summary})")
    hints = {
        "password_required": "The server asked for a password.",
        "auth": f"Check the user name and password for {target}.",
        "database_missing": "Check the `database` key of the profile.",
        "timeout": f"No answer within {timeout} s: is the host reachable (VPN, firewall, ssh tunnel)?",
        "tls": _tls_hint(message, profile),
        "unreachable": f"Is the server running and reachable at {target}?",
        "other": "",
    }
    return ConnectFailure(kind, summary, hints[kind])


@dataclass
class PostgresDatabase:
    """An open psycopg connection (autocommit) plus what was probed on connect."""

    conn: psycopg.Connection[Any]
    info: ServerInfo
    profile: Profile
    params: dict[str, Any]
    tunnel: SshTunnel | None = None
    # One catalog transaction at a time on the shared main connection.
    _catalog_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def open(
        cls, profile: Profile, password: str | None = None, *,
        progress: Callable[[str], None] | None = None, cancelled: threading.Event | None = None,
        tunnel: SshTunnel | None = None,
    ) -> PostgresDatabase:
        """Connect (through the profile's ssh tunnel, started here, or through
        `tunnel` if one is given: its owner keeps it when connecting fails)."""
        owned = tunnel is None
        if tunnel is None:
            tunnel = tunnel_for(profile)
        with tunnel_started(tunnel, progress=progress, cancelled=cancelled, owned=owned):
            params = connection_params(profile, password, tunnel)
            pooler = None
            try:
                conn = connect_with(params, profile, tunnel)
            except ConnectFailure as failure:
                if "options" not in params or not options_refused(failure.message):
                    raise
                # A pooler (PgBouncer before 1.20 by default) refuses startup options:
                # connect without them; the header then says what is not enforced.
                params.pop("options")
                pooler = "pgbouncer"  # its words ("unsupported startup parameter: options")
                conn = connect_with(params, profile, tunnel)
            try:
                info = probe(conn)
            except psycopg.Error as exc:
                conn.close()
                raise classify_failure(exc, profile) from None
            if pooler is None and options_ignored(profile, info):
                pooler = "a pooler?"  # the startup options were dropped on the way
            if pooler is not None or port_forwarded(profile, info):
                from tui.db.pgbouncer import POOL_MODE_UNKNOWN, learn_pool_mode  # it imports this module

                # The header says how it pools (`via pgbouncer · transaction`) when its console tells.
                # A forwarded port alone is no pooler (a Docker port mapping, a proxy): only the console says so.
                mode = learn_pool_mode(params, profile, tunnel)
                if mode != POOL_MODE_UNKNOWN:
                    info = replace(info, pooler="pgbouncer", pool_mode=mode)
                elif pooler is not None:
                    info = replace(info, pooler=pooler, pool_mode=mode)
        return cls(conn=conn, info=info, profile=profile, params=params, tunnel=tunnel)

    def connect(self, role: Role | str) -> psycopg.Connection[Any]:
        """A new connection of its own for `role`, from the settings the main
        connection got through with (e.g. without the options a pooler refused).
        A tunnel whose ssh has exited is started again first."""
        if self.tunnel is not None:
            self.tunnel.ensure_up()
            self.params["port"] = str(self.tunnel.local_port)
        return connect_with(role_params(self.params, role_named(role)), self.profile, self.tunnel)


    def ping(self) -> bool:
        """True while the main connection answers; False once it is lost.

        One tiny round trip: cheap enough for a heartbeat over a slow link.
        """
        return connection_answers(self.conn)

    def catalog_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a catalog or statistics query that never queues behind an
        application's lock: in a transaction of its own with a short lock_timeout
        (SET LOCAL: a transaction pooler may hand the server connection to someone
        else afterwards). Raises psycopg.errors.LockNotAvailable when it gave up."""
        with self._catalog_lock, role_transaction(self.conn, WORKSPACE, lock_timeout=CATALOG_LOCK_TIMEOUT):
            with self.conn.cursor(row_factory=dict_row) as cur:
                return cur.execute(query, params).fetchall()

    def read_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a plain read on the main connection (autocommit: one statement,
        one transaction); not inside a catalog read's transaction."""
        with self._catalog_lock, self.conn.cursor(row_factory=dict_row) as cur:
            return list(cur.execute(query, params).fetchall())

    def quote_table(self, schema: str, name: str) -> str:
        return quote_table(self.conn, schema, name)

    def transport(self) -> Transport:
        return transport_of(self.conn, self.profile, self.tunnel)

    def tls_session(self) -> str | None:
        """'TLSv1.3 (TLS_AES_256_GCM_SHA384)': protocol and cipher of the main
        connection, None without TLS (one round trip: call from a worker)."""
        row = self.conn.execute(TLS_OF_THIS_SESSION).fetchone()
        return f"{row[0]} ({row[1]})" if row and row[0] else None

    def watch_tunnel(self, on_drop: Callable[[str], None] | None) -> None:
        """Call `on_drop(reason)` (from another thread) the moment the ssh tunnel's
        process dies on its own; None stops listening. No tunnel: nothing to watch."""
        if self.tunnel is not None:
            self.tunnel.on_drop = on_drop

    def reconnect(self) -> None:
        """Replace the main connection with a new one (same settings).

        Raises ConnectFailure and keeps the old (broken) connection if that fails.
        """
        conn = self.connect(WORKSPACE)
        try:
            # What was learnt at open about the way in (the pooler, its mode) still holds.
            info = replace(probe(conn), pooler=self.info.pooler, pool_mode=self.info.pool_mode)
        except psycopg.Error as exc:
            conn.close()
            raise classify_failure(exc, self.profile) from None
        old, self.conn, self.info = self.conn, conn, info
        try:
            old.close()
        except psycopg.Error:
            pass

    def cancel(self) -> None:
        try:
            self.conn.cancel_safe(timeout=5)
        except (psycopg.Error, AttributeError):
            pass

    def close(self) -> None:
        try:
            self.conn.close()
        except psycopg.Error:
            pass
        if self.tunnel is not None:
            self.tunnel.close()


def connect_with(
    params: dict[str, Any], profile: Profile, tunnel: SshTunnel | None = None
) -> psycopg.Connection[Any]:
    """psycopg.connect with errors translated for a person; through a tunnel,
    in ssh's words when ssh knows better (tunnel gone, database unreachable)."""
    seen = tunnel.lines_seen if tunnel is not None else 0
    # psycopg prepares a statement run 5 times on a connection; behind a transaction
    # pooler the next transaction may run on another server ("_pg3_0 does not exist").
    threshold = 5 if profile.prepared_statements else None
    try:
        return psycopg.connect(**params, autocommit=True, prepare_threshold=threshold)
    except psycopg.Error as exc:
        failure = classify_failure(exc, profile)
    if tunnel is not None and failure.kind in ("unreachable", "timeout", "other"):
        time.sleep(0.1)  # ssh prints "open failed" just after it closes our socket
        said = tunnel.ssh_messages(since=seen)
        if not tunnel.alive or "open failed" in said:
            raise tunnel.failure(failure.message, since=seen) from None
    raise failure


def options_refused(message: str) -> bool:
    """PgBouncer's words for startup options it does not pass on."""
    return "unsupported startup parameter" in message and "options" in message


def options_ignored(profile: Profile, info: ServerInfo) -> bool:
    """The profile asked the server for read-only, a statement timeout or a search_path
    through the startup options and the session does not have it: something in
    between dropped them (PgBouncer's `ignore_startup_parameters = options`)."""
    if profile.read_only and not info.read_only:
        return True
    if profile.statement_timeout:
        # The server writes it its own way ("5000" comes back as "5s", "1.5s" as "1500ms").
        wanted, got = timeout_milliseconds(profile.statement_timeout), timeout_milliseconds(info.statement_timeout)
        if wanted is None or got is None or abs(wanted - got) >= 1:
            return True
    # search_path comes back as it was sent (only escaped spaces unescaped).
    path = (profile.search_path or "").replace(" ", "")
    return bool(path) and path != (info.search_path or "").replace(" ", "")


def port_forwarded(profile: Profile, info: ServerInfo) -> bool:
    """Reached over TCP, yet the backend took the session on another port (or a
    socket): something in between forwards it. PgBouncer 1.20+ accepts the startup
    options, so a profile that is not read-only is noticed this way."""
    host = profile.host or ""
    if not host or host.startswith("/") or "," in host:
        return False  # a Unix socket (nothing in between) or several hosts (no one port to compare)
    try:
        return info.server_port != int(profile.port or 5432)
    except (TypeError, ValueError):
        return False


def probe(conn: psycopg.Connection[Any]) -> ServerInfo:
    """Ask the server what the panes need to know."""
    with conn.cursor(row_factory=dict_row) as cur:
        row = cur.execute(SERVER_PROBE).fetchone()
    assert row is not None
    return ServerInfo(kind="postgresql", **row)
