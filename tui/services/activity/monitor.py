"""The polling side of the activity pane: one connection, one tick at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tui.db.base import ServerInfo
from tui.db.link import connection_answers
from tui.services.activity.blocking import root_blockers
from tui.services.activity.features import Features, privilege_banner
from tui.services.activity.pulse import Pulse, PulseReading, Replica, totals_from_row
from tui.services.activity.sessions import KnownIdle, SessionSnapshot, fetch_sessions
from tui.sql import activity as q


@dataclass
class Tick:
    """Everything one refresh produced."""

    snapshot: SessionSnapshot
    pulse: PulseReading
    roots: list[int] = field(default_factory=list)
    banner: str = ""
    seconds: float = 0.0  # wall time of the fetch, server round trips included
    in_recovery: bool | None = None  # pg_is_in_recovery() as read now; None: the totals were not readable


class ActivityMonitor:
    """Owns the polling connection: statement_timeout below the refresh interval,
    application_name tagged, own pid excluded by the SQL. Not thread-safe: the
    pane calls tick() from one worker at a time."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], info: ServerInfo,
                 interval: float = 2.0) -> None:
        self._connect = connect
        self.info = info
        self.interval = interval
        # Fetch plain idle sessions only when they are shown: at 500 connections
        # they are most of the rows and most of the refresh's cost.
        self.include_idle = False
        # The idle sessions of the last refresh: unchanged, the server sends their pid only.
        self.known = KnownIdle()
        self.conn: psycopg.Connection[Any] | None = None
        self.check_first = False  # after a reconnect: ask the connection before the next tick
        self.features = Features()
        self.pulse = Pulse()
        self.own_xacts = 0  # transactions run by this poller, to take out of TPS
        self._busy = False  # a tick is running: cancel() has something to cancel
        # The pane closes from a thread of its own while a tick may still run:
        # close() waits for it (a connection closed under a running statement is
        # not safe). Re-entrant: tick() reopens through open(), which closes first.
        self._lock = threading.RLock()

    @property
    def pid(self) -> int | None:
        return self.conn.info.backend_pid if self.conn is not None and not self.conn.closed else None

    def open(self) -> None:
        """(Re)connect; keeps features and history."""
        self.close()
        conn = self._connect()
        conn.autocommit = True
        self.conn = conn  # named by its role at connect (db/roles.py: ACTIVITY)

    def cancel(self) -> None:
        """Cancel the tick running now, if any (from another thread, e.g. before close())."""
        conn = self.conn
        if self._busy and conn is not None and not conn.closed:
            try:
                conn.cancel_safe(timeout=2)
            except psycopg.Error:
                pass

    def close(self) -> None:
        with self._lock:
            if self.conn is not None:
                try:
                    self.conn.close()
                except psycopg.Error:
                    pass
            self.conn = None

    def _execute(self, query: Any, params: Any = None) -> list[dict[str, Any]]:
        assert self.conn is not None
        self.own_xacts += 1  # autocommit: every statement is one transaction
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def _fetch_sessions(self) -> SessionSnapshot:
        """The sessions, in one transaction whose statement_timeout stays below the
        interval (so a slow server cannot pile ticks up behind each other) and ends
        with it: SET LOCAL, as a transaction pooler hands the server connection on."""
        assert self.conn is not None
        timeout = f"{max(250, int(self.interval * 800))}ms"
        with self.conn.transaction():
            self.conn.execute("SELECT set_config('statement_timeout', %s, true)", (timeout,))
            if not self.include_idle:
                self.known = KnownIdle()  # stale by the time idle sessions are shown again
            snapshot, _statements = fetch_sessions(self.conn, self.info.version_num, self.include_idle,
                                                   self.known)
        self.own_xacts += 1
        return snapshot

    def tick(self) -> Tick:
        """One refresh. Raises psycopg errors; features that fail for privilege or
        support reasons are switched off instead."""
        with self._lock:
            self._busy = True
            try:
                return self._tick()
            finally:
                self._busy = False

    def _tick(self) -> Tick:
        import time

        started = time.perf_counter()
        if self.check_first and self.conn is not None and not connection_answers(self.conn):
            self.close()
        self.check_first = False
        if self.conn is None or self.conn.closed:
            self.open()
        assert self.conn is not None
        snapshot = self._fetch_sessions()
        totals_rows = self.features.run("pulse", lambda: self._execute(q.DATABASE_TOTALS), [])
        totals = totals_from_row(totals_rows[0], self.own_xacts) if totals_rows else None
        in_recovery = totals.in_recovery if totals else self.info.in_recovery
        replay_lag, replicas, receiver = self._replication(in_recovery)
        reading = self.pulse.update(totals, snapshot, replay_lag, replicas)
        reading.receiver = receiver
        return Tick(snapshot=snapshot, pulse=reading, roots=root_blockers(snapshot.sessions),
                    banner=privilege_banner(self.info, self.features),
                    seconds=time.perf_counter() - started, in_recovery=totals.in_recovery if totals else None)

    def _replication(self, in_recovery: bool) -> tuple[float | None, list[Replica], str]:
        """(standby's replay lag, a primary's standbys, the standby's WAL receiver:
        "streaming", "down" or "hidden" from this role; "" on a primary)."""
        if in_recovery:
            rows = self.features.run("replication", lambda: self._execute(q.STANDBY_LAG), [])
            if not rows:
                return None, [], ""
            receiver = rows[0]["receiver"]
            if receiver != "streaming":
                return None, [], receiver  # received == replayed would read "lag 0": unknown instead
            # Caught up means no lag, however old the last replayed transaction is.
            lag = 0.0 if rows[0]["caught_up"] else rows[0]["replay_lag_s"]
            return lag, [], receiver
        rows = self.features.run("replication", lambda: self._execute(q.REPLICATION), [])
        return None, [Replica(name=r["application_name"], client_addr=r["client_addr"], state=r["state"],
                              replay_lag_s=r["replay_lag_s"], replay_bytes=r["replay_bytes"]) for r in rows], ""
