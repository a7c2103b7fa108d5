"""The fleet view's data: every profile (or one group of them) polled at once,
read-only, one row per server.

Each server is asked in a worker thread of its own with a deadline, so one
that hangs shows "timeout" without holding up the others; its connection is
kept between polls (TPS is a difference of two readings). Passwords come from
where the profile says (keyring, memory, libpq's .pgpass) and are never asked
for or stored here. Profiles behind the same ssh jump host share one ssh
process, with one forward per database host and port.

Blocking: `poll()` from a worker; `close()` from any thread.
"""

from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg
from psycopg.rows import TupleRow, dict_row

from tui.db.base import ConnectFailure
from tui.db.pgbouncer import is_admin_console
from tui.db.postgres import connect_role, tunnel_for
from tui.db.roles import FLEET_MONITOR, role_transaction
from tui.db.sqlite import connect_file
from tui.db.tunnel import SshTunnel
from tui.formatting import first_line
from tui.profiles import Profile, SshConfig
from tui.secrets import PasswordVault
from tui.services.connect import known_password
from tui.services.pooler import PoolerConsole, PoolerError
from tui.services.replication import RECEIVER_HIDDEN
from tui.sql.fleet import FLEET_PULSE

HISTORY = 60  # TPS samples kept for a row's sparkline
RECEIVER_DOWN = "receiver down"
LAG_UNKNOWN = "unknown"  # a receiver runs, its state hidden from this role (then the row's reason says why)


class FleetError(Exception):
    """The fleet cannot be polled as asked (e.g. a group that names nothing)."""


@dataclass
class FleetRow:
    """One server as the fleet view shows it."""

    name: str
    group: str | None
    status: str = "…"  # ok, error, timeout, login (needs a password), …
    reason: str = ""
    role: str = ""  # primary, standby, pooler, sqlite
    version: str = ""
    sessions: int | None = None
    max_connections: int | None = None
    active: int | None = None
    waiting: int | None = None  # waiting on locks (pooler: clients waiting for a server)
    longest_xact_s: float | None = None
    lag_s: float | None = None
    lag_note: str = ""  # RECEIVER_DOWN or LAG_UNKNOWN: a lag figure that would lie is not shown
    tps: float | None = None
    tps_history: list[float] = field(default_factory=list)
    size: float | None = None
    seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        return self.status == "ok"


def profile_group(profile: Profile) -> str | None:
    return profile.group or None


def select_profiles(profiles: list[Profile], group: str | None = None) -> list[Profile]:
    """Every profile, or those of one group; a group that names nothing is an error."""
    if group is None:
        return list(profiles)
    chosen = [p for p in profiles if profile_group(p) == group]
    if not chosen:
        groups = sorted({g for p in profiles if (g := profile_group(p))})
        known = f" Groups in the profiles: {', '.join(groups)}." if groups else " No profile has a `group:` key."
        raise FleetError(f"No profile is in group {group!r}.{known}")
    return chosen


class _Target:
    """One profile's polling state: its connection and its last reading."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.row = FleetRow(profile.name, profile_group(profile))
        self.conn: psycopg.Connection[TupleRow] | None = None
        self.console: PoolerConsole | None = None
        self.last_xacts: tuple[float, float] | None = None  # (xacts, monotonic time)
        self.history: deque[float] = deque(maxlen=HISTORY)
        self.future: Future[None] | None = None

    def drop_connection(self) -> None:
        for handle in (self.conn, self.console):
            if handle is not None:
                try:
                    handle.close()
                except Exception:  # noqa: BLE001 - already broken
                    pass
        self.conn, self.console, self.last_xacts = None, None, None


class FleetPoller:
    """Polls many servers concurrently; `poll()` returns one row per profile."""

    def __init__(self, profiles: list[Profile], vault: PasswordVault, timeout: float = 5.0,
                 max_workers: int = 16) -> None:
        self.targets = [_Target(p) for p in profiles]
        self.vault = vault
        self.timeout = timeout
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(profiles))),
                                        thread_name_prefix="bastion-fleet")
        self._tunnels: dict[SshConfig, SshTunnel] = {}  # one ssh process per jump host
        self._forwards: dict[tuple[SshConfig, str, int], SshTunnel] = {}
        self._plan_tunnels()
        self._closed = False

    # -- polling ------------------------------------------------------------------
    def poll(self, on_progress: Callable[[list[FleetRow]], None] | None = None,
             progress_every: float = 0.1) -> list[FleetRow]:
        """Ask every server once; returns when all answered or the deadline passed.
        `on_progress` hears the rows so far (at most every `progress_every` s), so
        the servers that answer show before a silent one's deadline."""
        deadline = time.monotonic() + self.timeout
        pending = set()
        for target in self.targets:
            if target.future is None or target.future.done():
                target.future = self._pool.submit(self._poll_one, target)
                pending.add(target.future)
        while pending and (left := deadline - time.monotonic()) > 0:
            done, pending = wait(pending, timeout=min(left, progress_every), return_when=FIRST_COMPLETED)
            if done and pending and on_progress is not None:
                on_progress(self.rows(final=False))
        return self.rows()

    def rows(self, final: bool = True) -> list[FleetRow]:
        """The latest row of every server; with `final`, one still being asked
        (past the deadline) says "timeout"."""
        rows = []
        for target in self.targets:
            running = target.future is not None and not target.future.done()
            if running and final:
                rows.append(replace(target.row, status="timeout", reason=f"no answer within {self.timeout:g} s"))
            else:
                rows.append(target.row)
        return rows

    def _poll_one(self, target: _Target) -> None:
        # A new row, swapped in whole at the end: the UI never sees half a reading.
        started = time.perf_counter()
        profile = target.profile
        row = FleetRow(profile.name, profile_group(profile), status="ok")
        try:
            if profile.is_sqlite:
                self._poll_sqlite(row, profile)
            elif is_admin_console(profile.database):
                self._poll_pooler(target, row)
            else:
                self._poll_postgres(target, row)
        except ConnectFailure as failure:
            target.drop_connection()
            row.status = "login" if failure.wants_password else "error"
            row.reason = ("needs a password: open the profile once to enter it" if failure.wants_password
                          else first_line(failure.message))
        except (psycopg.Error, PoolerError, sqlite3.Error, OSError) as exc:
            target.drop_connection()
            row.status, row.reason = "error", first_line(exc)
        row.role = row.role or target.row.role  # what it was last seen as
        row.seconds = time.perf_counter() - started
        target.row = row

    def _connect(self, profile: Profile) -> psycopg.Connection[TupleRow]:
        return connect_role(profile, known_password(profile, self.vault), FLEET_MONITOR, self._tunnel(profile),
                            connect_timeout=max(1, int(self.timeout)))

    def _poll_postgres(self, target: _Target, row: FleetRow) -> None:
        if target.conn is None or target.conn.closed or target.conn.broken:
            target.conn = self._connect(target.profile)
        with role_transaction(target.conn, FLEET_MONITOR, statement_timeout=f"{int(self.timeout * 1000)}ms") as conn, \
                conn.cursor(row_factory=dict_row) as cursor:
            pulse = cursor.execute(FLEET_PULSE).fetchone()
        assert pulse is not None
        row.version = str(pulse["version"]).split(" ", 1)[0]
        row.role = "standby" if pulse["in_recovery"] else "primary"
        row.sessions, row.max_connections = pulse["sessions"], pulse["max_connections"]
        row.active, row.waiting = pulse["active"], pulse["waiting_on_locks"]
        row.longest_xact_s, row.size = pulse["longest_xact_s"], pulse["database_size"]
        if pulse["in_recovery"] and pulse["receiver_status"] is None and pulse["receiver_pid"] is not None:
            row.lag_s, row.lag_note, row.reason = None, LAG_UNKNOWN, RECEIVER_HIDDEN
        elif pulse["in_recovery"] and pulse["receiver_status"] != "streaming":
            row.lag_s, row.lag_note = None, RECEIVER_DOWN
        else:
            row.lag_s, row.lag_note = pulse["replication_lag_s"], ""
        self._record_tps(target, row, pulse["xacts"], own_xacts=1)

    def _poll_pooler(self, target: _Target, row: FleetRow) -> None:
        if target.console is None or target.console.conn.closed:
            target.console = PoolerConsole(self._connect(target.profile))
        snap = target.console.snapshot()
        row.role, row.version = "pooler", snap.version.removeprefix("PgBouncer ").split(" ", 1)[0]
        row.sessions = sum(p.cl_active + p.cl_waiting for p in snap.pools)
        row.active = sum(p.sv_active for p in snap.pools)
        row.waiting = snap.waiting_clients
        row.longest_xact_s = snap.max_wait_s or None
        row.tps = sum(s.xact_per_s for s in snap.stats)
        target.history.append(row.tps)
        row.tps_history = list(target.history)

    def _poll_sqlite(self, row: FleetRow, profile: Profile) -> None:
        path = Path(profile.path or "").expanduser()
        size = path.stat().st_size  # a missing file is an error row, never created
        conn = connect_file(path, read_only=FLEET_MONITOR.read_only)
        try:
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        finally:
            conn.close()
        row.role, row.version, row.size = "sqlite", sqlite3.sqlite_version, float(size)

    def _record_tps(self, target: _Target, row: FleetRow, xacts: float | None, own_xacts: int) -> None:
        now = time.monotonic()
        if xacts is None:
            return
        if target.last_xacts is not None:
            before, then = target.last_xacts
            if now > then and xacts >= before:
                tps = max(0.0, (xacts - before - own_xacts) / (now - then))
                target.history.append(tps)
                row.tps = tps
        row.tps_history = list(target.history)
        target.last_xacts = (xacts, now)

    # -- tunnels ------------------------------------------------------------------
    @property
    def tunnel_count(self) -> int:
        """How many ssh processes the poller holds (one per jump host)."""
        return len(self._tunnels)

    @staticmethod
    def _forward_key(profile: Profile) -> tuple[SshConfig, str, int]:
        assert profile.ssh is not None
        return profile.ssh, profile.host or "localhost", profile.port or 5432

    def _plan_tunnels(self) -> None:
        """Every forward known before any ssh starts (ssh takes its -L forwards at start):
        the first profile behind a jump host makes its tunnel, the others ride along."""
        for target in self.targets:
            profile = target.profile
            if profile.ssh is None or self._forward_key(profile) in self._forwards:
                continue
            try:
                own = tunnel_for(profile)
            except ConnectFailure:
                continue  # its row says why when it is polled
            assert own is not None
            carrier = self._tunnels.get(profile.ssh)
            if carrier is None:
                self._tunnels[profile.ssh] = forward = own
            else:
                forward = carrier.carry(own.remote_host, own.remote_port)
            self._forwards[self._forward_key(profile)] = forward

    def _tunnel(self, profile: Profile) -> SshTunnel | None:
        """This profile's forward through its jump host's one ssh process."""
        if profile.ssh is None:
            return None
        tunnel = self._forwards.get(self._forward_key(profile)) or tunnel_for(profile)  # (the latter raises)
        assert tunnel is not None
        if not tunnel.alive:
            tunnel.ensure_up()  # one at a time: the carrier's lock
        return tunnel

    def close(self) -> None:
        """Stop polling: connections and tunnels closed, threads left to finish."""
        if self._closed:
            return
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
        for target in self.targets:
            if target.future is None or target.future.done():
                target.drop_connection()
        for tunnel in self._tunnels.values():
            tunnel.close()
