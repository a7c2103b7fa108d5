"""`bastion profiles test NAME`: each hop of the way to the database, in order.

ssh tunnel → TCP → TLS → authentication → server. The first hop that fails
says why in its own words; the hops after it are not tried. Blocking: the CLI
calls it directly, the UI from a worker.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.db import ConnectFailure
from tui.db.pgbouncer import PgBouncerConsole, is_admin_console, stats_only_reason
from tui.db.postgres import DEFAULT_CONNECT_TIMEOUT, PostgresDatabase, tunnel_for
from tui.db.tunnel import LOCALHOST, SshTunnel, gist, ssh_hint
from tui.profiles import Profile
from tui.secrets import PasswordVault
from tui.services.connect import known_password

# Which hop a connection failure belongs to.
_FAILED_HOP = {
    "unreachable": "tcp", "timeout": "tcp", "tls": "tls", "tunnel": "ssh tunnel",
    "password_required": "auth", "auth": "auth", "database_missing": "auth", "not_allowed": "auth",
}
CHANNEL_WAIT = 1.0  # seconds to see whether ssh drops a forwarded connection it could not open


@dataclass(frozen=True)
class Hop:
    name: str  # "ssh tunnel", "tcp", "tls", "auth", "server"
    ok: bool
    detail: str
    hint: str = ""


AskPassword = Callable[[str], str | None]  # (what for) -> password, or None to stop


@dataclass(frozen=True)
class SslmodeOutcome:
    """What connecting with one sslmode (and sslrootcert) gives on this server."""

    sslmode: str
    rootcert: str | None
    ok: bool
    detail: str


def check_profile(profile: Profile, vault: PasswordVault, ask_password: AskPassword | None = None,
                  sslmodes: list[SslmodeOutcome] | None = None) -> list[Hop]:
    """Walk the hops; stops at the first failure (its Hop has ok=False). With
    `sslmodes`, once connected, each sslmode is tried too and the list filled."""
    if profile.is_sqlite:
        return _check_sqlite(profile)
    hops: list[Hop] = []
    tunnel: SshTunnel | None = None
    try:
        try:
            tunnel = tunnel_for(profile)
        except ConnectFailure as failure:
            return [Hop("ssh tunnel", False, failure.message, failure.hint)]
        if tunnel is not None:
            started = time.perf_counter()
            try:
                tunnel.start()
            except ConnectFailure as failure:
                return [Hop("ssh tunnel", False, failure.message, failure.hint)]
            hops.append(Hop("ssh tunnel", True, f"{tunnel.description} on {LOCALHOST}:{tunnel.local_port} "
                                                 f"in {_seconds(started)}"))
        tcp = _check_tcp(profile, tunnel)
        if tcp is not None:
            hops.append(tcp)
            if not tcp.ok:
                return hops
        hops.extend(_check_connection(profile, vault, tunnel, ask_password, sslmodes))
        return hops
    finally:
        if tunnel is not None:
            tunnel.close()


def _seconds(started: float) -> str:
    elapsed = time.perf_counter() - started
    return f"{elapsed * 1000:.0f} ms" if elapsed < 1 else f"{elapsed:.2f} s"


def _check_sqlite(profile: Profile) -> list[Hop]:
    from tui.db import open_database

    try:
        database = open_database(profile)
    except ConnectFailure as failure:
        return [Hop("file", False, failure.message, failure.hint)]
    database.close()
    mode = "read-only" if profile.read_only else "read-write"
    return [Hop("file", True, f"{profile.path} ({mode})"), Hop("server", True, database.info.product)]


def _tcp_target(profile: Profile) -> tuple[str, int] | None:
    """Where libpq will connect, when the profile (or PG* variables) says; None when
    only libpq knows (a service file, its default socket) or several hosts are listed."""
    host = profile.host or os.environ.get("PGHOST")
    port = profile.port or int(os.environ.get("PGPORT") or 5432)
    if not host or "," in host or (profile.service and not profile.host):
        return None
    return host, port


def _check_tcp(profile: Profile, tunnel: SshTunnel | None) -> Hop | None:
    timeout = profile.connect_timeout or DEFAULT_CONNECT_TIMEOUT
    if tunnel is not None:
        return _check_through_tunnel(tunnel)
    target = _tcp_target(profile)
    if target is None:
        return None
    host, port = target
    if host.startswith("/"):
        path = os.path.join(host, f".s.PGSQL.{port}")
        if os.path.exists(path):
            return Hop("socket", True, f"{path} exists")
        return Hop("socket", False, f"no server socket at {path}", "Is the server running, with this port?")
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        return Hop("tcp", False, f"{host}:{port}: {reason}",
                   "Is the server running and reachable from here (VPN, firewall, ssh tunnel)?")
    return Hop("tcp", True, f"{host}:{port} reachable in {_seconds(started)}")


def _check_through_tunnel(tunnel: SshTunnel) -> Hop:
    """Open one forwarded connection: ssh closes it at once when the jump host
    cannot reach the database (and says why on stderr)."""
    target = f"{tunnel.remote_host}:{tunnel.remote_port} from the jump host"
    seen = tunnel.lines_seen
    with socket.create_connection((LOCALHOST, tunnel.local_port), timeout=5) as sock:
        sock.settimeout(CHANNEL_WAIT)
        try:
            closed = sock.recv(1) == b""
        except TimeoutError:
            closed = False  # still open: the database is waiting for us to speak
        except OSError:
            closed = True
    if closed:
        time.sleep(0.1)  # ssh prints its reason just after closing
        said = tunnel.ssh_messages(since=seen)
        return Hop("tcp", False, f"{target}: {gist(said) or 'the jump host closed the connection'}",
                   ssh_hint(said))
    return Hop("tcp", True, f"{target}: reachable")


def _check_connection(
    profile: Profile, vault: PasswordVault, tunnel: SshTunnel | None, ask_password: AskPassword | None,
    sslmodes: list[SslmodeOutcome] | None = None,
) -> list[Hop]:
    password = known_password(profile, vault)
    source = _password_source(profile, password)
    # PgBouncer's admin console answers SHOW only: it is opened as the picker opens it.
    opener = PgBouncerConsole.open if is_admin_console(profile.database) else PostgresDatabase.open
    database: PostgresDatabase | PgBouncerConsole
    for _attempt in range(3):
        try:
            database = opener(profile, password, tunnel=tunnel)
            break
        except ConnectFailure as failure:
            if failure.wants_password and ask_password is not None:
                password = ask_password(profile.target())
                if password is not None:
                    source = "typed"
                    continue
            return [Hop(_FAILED_HOP.get(failure.kind, "connect"), False, failure.message, failure.hint)]
    else:
        return [Hop("auth", False, "authentication failed three times")]
    if source == "typed" and password is not None:
        # As when connecting: a typed password is kept once it works (keyring profiles: saved).
        if vault.remember(profile.name, password, persist=profile.password == "keyring"):
            source = "typed (saved to the OS keyring)"
    try:
        hops = [_tls_hop(profile, database), _auth_hop(database, source), _server_hop(database)]
    finally:
        database.tunnel = None  # the caller closes the tunnel it started
        database.close()
    if sslmodes is not None and database.info.kind != "pgbouncer" and not _is_socket(profile):
        sslmodes.extend(compare_sslmodes(profile, password, tunnel))
    return hops


def _is_socket(profile: Profile) -> bool:
    host = profile.host or os.environ.get("PGHOST") or ""
    return host.startswith("/") or (not host and not profile.service)


# libpq's words for a refused sslmode, in a person's words.
_SSLMODE_FAILURES = (
    ("root certificate file", "no CA file: libpq looked for ~/.postgresql/root.crt (set sslrootcert)"),
    ("does not match host name", "the certificate does not name this host"),
    ("certificate verify failed", "the server's certificate is not signed by that CA"),
    ("unable to get local issuer", "the server's certificate is not signed by that CA"),
    ("does not support SSL", "the server does not offer TLS"),
    ("no encryption", "the server refuses unencrypted connections"),
    ("could not read root certificate", "the CA file cannot be read"),
)


def compare_sslmodes(profile: Profile, password: str | None, tunnel: SshTunnel | None) -> list[SslmodeOutcome]:
    """Connect once per sslmode (the profile's sslrootcert for the verifying ones,
    and sslrootcert=system where libpq has it) and say what each gives."""
    import psycopg

    from tui.db.postgres import connect_role
    from tui.db.roles import CONNECTION_CHECK
    from tui.profiles.providers import system_store_supported

    tries: list[tuple[str, str | None]] = [("disable", None), ("require", None),
                                           ("verify-ca", profile.sslrootcert), ("verify-full", profile.sslrootcert)]
    if system_store_supported(psycopg.pq.version()) and profile.sslrootcert != "system":
        tries.append(("verify-full", "system"))
    outcomes: list[SslmodeOutcome] = []
    for sslmode, rootcert in tries:
        candidate = profile.with_changes(sslmode=sslmode, sslrootcert=rootcert)
        try:
            conn = connect_role(candidate, password, CONNECTION_CHECK, tunnel, connect_timeout=5)
        except ConnectFailure as failure:
            said = next((words for text, words in _SSLMODE_FAILURES if text in failure.message),
                        failure.message.splitlines()[0] if failure.message else failure.kind)
            outcomes.append(SslmodeOutcome(sslmode, rootcert, False, said))
            continue
        encrypted = bool(conn.pgconn.ssl_in_use)
        conn.close()
        detail = {"disable": "connects, NOT encrypted", "require": "encrypted, server not verified",
                  "verify-ca": "encrypted, CA verified (any host name)",
                  "verify-full": "encrypted, verified (CA and host name)"}[sslmode]
        outcomes.append(SslmodeOutcome(sslmode, rootcert, True, detail if encrypted or sslmode == "disable"
                                       else "connects, NOT encrypted"))
    return outcomes


def _password_source(profile: Profile, password: str | None) -> str:
    if password is not None:
        return "the OS keyring" if profile.password == "keyring" else "memory"
    return ""


def _tls_hop(profile: Profile, database: PostgresDatabase | PgBouncerConsole) -> Hop:
    sslmode = profile.sslmode or os.environ.get("PGSSLMODE") or "prefer"
    if not database.transport().tls:
        if (profile.host or "").startswith("/") or not profile.host and not profile.service:
            return Hop("tls", True, "not used (unix socket)")
        return Hop("tls", True, f"not used (sslmode={sslmode}): traffic is not encrypted",
                   "Set sslmode=verify-full and sslrootcert to your provider's CA file.")
    protocol = database.tls_session() or "TLS"
    if sslmode in ("verify-ca", "verify-full"):
        checked = "certificate and host name verified" if sslmode == "verify-full" else "certificate verified"
        return Hop("tls", True, f"{protocol}, {checked} (sslmode={sslmode})")
    return Hop("tls", True, f"{protocol}, certificate NOT verified (sslmode={sslmode})",
               "Set sslmode=verify-full and sslrootcert to your provider's CA file.")


def _auth_hop(database: PostgresDatabase | PgBouncerConsole, source: str) -> Hop:
    user = database.info.current_user
    if source:
        how = f"password {source}" if source.startswith("typed") else f"password from {source}"
    elif database.transport().password_used:
        how = "password from .pgpass or PGPASSWORD"
    else:
        how = "no password needed (trust, peer or certificate)"
    return Hop("auth", True, f"as {user}: {how}")


def _server_hop(database: PostgresDatabase | PgBouncerConsole) -> Hop:
    info = database.info
    if info.kind == "pgbouncer":
        if info.read_only:
            return Hop("server", True, f"{info.product} admin console · read-only (SHOW only)",
                       stats_only_reason(info.current_user or "this user"))
        return Hop("server", True, f"{info.product} admin console")

    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    return Hop("server", True, f"{info.product} · database {info.database} · superuser {yes(info.is_superuser)} · "
                               f"monitoring {yes(info.can_monitor or info.is_superuser)} · "
                               f"standby {yes(info.in_recovery)} · read-only {yes(info.read_only)}")
