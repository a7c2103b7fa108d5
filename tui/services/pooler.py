"""PgBouncer's own view, read from its admin console (the `pgbouncer`
database): pools, clients, servers, stats and databases, and the commands an
ops person uses in an incident (PAUSE, RESUME, RECONNECT, KILL).

The console speaks the simple query protocol only, knows no parameters,
transactions or pg_catalog, and its columns change between versions: every
row is read by column name, every SHOW may be missing on an older PgBouncer,
and a database name is sent only after it was seen in SHOW DATABASES, quoted
as the console's own grammar quotes identifiers.

Blocking: call from a worker.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from tui.db.pgbouncer import ADMIN_NEEDED, console_may_act, stats_only_reason
from tui.formatting import first_line

SECTIONS = ("POOLS", "STATS", "DATABASES", "CLIENTS", "SERVERS")
COMMANDS = ("PAUSE", "RESUME", "RECONNECT", "KILL")
HISTORY = 120  # samples kept for the sparklines


class PoolerError(Exception):
    """The admin console refused or failed a command, said for a person."""


def quote_name(name: str) -> str:
    """A database name as the console's grammar accepts it: "name", with "" for "."""
    return '"' + name.replace('"', '""') + '"'


def _number(row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


@dataclass(frozen=True)
class Pool:
    """One (database, user) pool: who waits, who works."""

    database: str
    user: str
    cl_active: int
    cl_waiting: int
    sv_active: int
    sv_idle: int
    sv_used: int
    maxwait_s: float  # how long the oldest waiting client has waited
    pool_mode: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Pool:
        # maxwait_us exists since 1.8; before, maxwait alone (whole seconds).
        maxwait = _number(row, "maxwait") + _number(row, "maxwait_us") / 1_000_000
        return cls(str(row.get("database", "")), str(row.get("user", "")), int(_number(row, "cl_active")),
                   int(_number(row, "cl_waiting")), int(_number(row, "sv_active")), int(_number(row, "sv_idle")),
                   int(_number(row, "sv_used")), maxwait, str(row.get("pool_mode") or ""))


@dataclass(frozen=True)
class Stats:
    """Per-database rates and averages over PgBouncer's last stats period."""

    database: str
    xact_per_s: float
    query_per_s: float
    avg_xact_ms: float
    avg_query_ms: float
    avg_wait_ms: float

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Stats:
        # Times are in microseconds; `avg_req` was the old name of avg_query_count.
        queries = _number(row, "avg_query_count") or _number(row, "avg_req")
        return cls(str(row.get("database", "")), _number(row, "avg_xact_count"), queries,
                   _number(row, "avg_xact_time") / 1000, _number(row, "avg_query_time") / 1000,
                   _number(row, "avg_wait_time") / 1000)


@dataclass
class PoolerSnapshot:
    """One refresh of the admin console."""

    version: str
    pools: list[Pool] = field(default_factory=list)
    stats: list[Stats] = field(default_factory=list)
    databases: list[dict[str, Any]] = field(default_factory=list)
    clients: list[dict[str, Any]] = field(default_factory=list)
    servers: list[dict[str, Any]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # SHOW this pooler refused, and why
    seconds: float = 0.0
    read_only: str = ""  # why PAUSE/RESUME/RECONNECT/KILL are refused (a stats_users-only user); "" when not

    @property
    def waiting_clients(self) -> int:
        return sum(pool.cl_waiting for pool in self.pools)

    @property
    def max_wait_s(self) -> float:
        return max((pool.maxwait_s for pool in self.pools), default=0.0)

    @property
    def paused_databases(self) -> list[str]:
        return [str(row.get("name")) for row in self.databases if _number(row, "paused")]


class PoolerConsole:
    """The admin console on a connection of its own (autocommit, simple protocol)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.conn.autocommit = True
        self.waiting_history: deque[float] = deque(maxlen=HISTORY)
        self.maxwait_history: deque[float] = deque(maxlen=HISTORY)
        self._known_databases: set[str] = set()
        self.may_act: bool | None = None  # admin_users (True), stats_users only (False), not known yet (None)
        self._may_act_read = False

    def _show(self, what: str) -> list[dict[str, Any]]:
        # A ClientCursor sends the text as one simple query, which the console needs.
        with psycopg.ClientCursor(self.conn) as cursor:
            cursor.execute(f"SHOW {what}")
            if cursor.description is None:
                return []
            names = [column.name for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def version(self) -> str:
        try:
            rows = self._show("VERSION")
        except psycopg.Error as exc:
            raise PoolerError(f"This does not look like a PgBouncer admin console: {first_line(exc)}") from None
        if not rows:
            return "PgBouncer"
        return str(next(iter(rows[0].values())))

    def snapshot(self) -> PoolerSnapshot:
        """Every section this PgBouncer knows; a refused SHOW is noted, not fatal."""
        started = time.perf_counter()
        snap = PoolerSnapshot(version=self.version())
        if not self._may_act_read:  # once per connection: the lists change only with a RELOAD
            self._may_act_read = True
            self.may_act = console_may_act(self.conn)
        snap.read_only = self.read_only_reason()
        for section in SECTIONS:
            try:
                rows = self._show(section)
            except psycopg.Error as exc:
                if self.conn.closed or self.conn.broken:
                    raise
                snap.missing[section] = first_line(exc)
                continue
            if section == "POOLS":
                snap.pools = [Pool.from_row(row) for row in rows]
            elif section == "STATS":
                snap.stats = [Stats.from_row(row) for row in rows]
            elif section == "DATABASES":
                snap.databases = rows
            elif section == "CLIENTS":
                snap.clients = rows
            else:
                snap.servers = rows
        self._known_databases = _database_names(snap.databases, [pool.database for pool in snap.pools])
        self.waiting_history.append(snap.waiting_clients)
        self.maxwait_history.append(snap.max_wait_s)
        snap.seconds = time.perf_counter() - started
        return snap

    def read_only_reason(self) -> str:
        """Why this console may only SHOW, for a person; "" when it may act (or is not known to be refused)."""
        return stats_only_reason(self.conn.info.user) if self.may_act is False else ""

    def command(self, verb: str, database: str) -> str:
        """PAUSE, RESUME, RECONNECT or KILL one database seen in SHOW DATABASES."""
        verb = verb.upper()
        if verb not in COMMANDS:
            raise PoolerError(f"Unknown pooler command {verb!r}: one of {', '.join(COMMANDS)}.")
        if self.may_act is False:
            raise PoolerError(self.read_only_reason())
        if database not in self._known_databases:  # one that appeared since the last refresh
            pools = [str(row.get("database")) for row in self._show("POOLS")]
            self._known_databases = _database_names(self._show("DATABASES"), pools)
        if database not in self._known_databases:
            raise PoolerError(f"PgBouncer has no database {database!r}.")
        try:
            with psycopg.ClientCursor(self.conn) as cursor:
                cursor.execute(f"{verb} {quote_name(database)}")
                return cursor.statusmessage or verb
        except psycopg.Error as exc:
            if ADMIN_NEEDED in str(exc):  # SHOW CONFIG did not tell; PgBouncer just did
                self.may_act = False
                raise PoolerError(self.read_only_reason()) from None
            raise PoolerError(f"{verb} {database} failed: {first_line(exc)}") from None

    def close(self) -> None:
        try:
            self.conn.close()
        except psycopg.Error:
            pass



def _database_names(databases: list[dict[str, Any]], pool_databases: list[str]) -> set[str]:
    """The databases PgBouncer will act on: SHOW DATABASES, and those of SHOW POOLS.
    An auto-database (from a `*` entry) whose clients have all left is only in the
    pools: PgBouncer takes PAUSE/RESUME/... for it all the same."""
    return {str(row.get("name")) for row in databases} | set(pool_databases)


class PoolerLink:
    """The Pooler pane's admin console: opened on first use and opened afresh (its
    history starting again) on the next use once it closed or broke. One use at a
    time; close() waits for the running one."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]]) -> None:
        self.connect = connect
        self.current: PoolerConsole | None = None
        self._lock = threading.Lock()

    @property
    def waiting_history(self) -> deque[float]:
        """Waiting clients per refresh, oldest first (empty before the first)."""
        return self.current.waiting_history if self.current is not None else deque()

    @property
    def maxwait_history(self) -> deque[float]:
        """The longest wait per refresh, oldest first (empty before the first)."""
        return self.current.maxwait_history if self.current is not None else deque()

    def _console(self) -> PoolerConsole:
        if self.current is None or self.current.conn.closed or self.current.conn.broken:
            self.current = PoolerConsole(self.connect())
        return self.current

    def snapshot(self) -> PoolerSnapshot:
        """PoolerConsole.snapshot() on the open console."""
        with self._lock:
            return self._console().snapshot()

    def command(self, verb: str, database: str) -> str:
        """PoolerConsole.command() on the open console."""
        with self._lock:
            return self._console().command(verb, database)

    def close(self) -> None:
        with self._lock:
            console, self.current = self.current, None
            if console is not None:
                console.close()
