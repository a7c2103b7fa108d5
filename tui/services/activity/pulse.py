"""The server's pulse: rates from deltas of pg_stat_database between ticks,
sessions by state, longest transaction, replication lag, and short histories."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.services.activity.sessions import (
    ACTIVE,
    CLIENT_BACKEND,
    IDLE,
    IDLE_IN_TX,
    IDLE_IN_TX_ABORTED,
    Session,
    SessionSnapshot,
)

HISTORY = 180  # samples kept for the sparklines (3 min at 1 s)
COUNTERS = ("xact_commit", "xact_rollback", "blks_read", "blks_hit", "tup_returned", "tup_fetched",
            "tup_inserted", "tup_updated", "tup_deleted", "temp_bytes", "deadlocks")


@dataclass(frozen=True)
class DatabaseTotals:
    """Cumulative counters summed over pg_stat_database, at `now`."""

    now: datetime
    counters: dict[str, int]
    max_connections: int
    in_recovery: bool
    own_xacts: int  # transactions bastion's poller had run by then


@dataclass(frozen=True)
class Replica:
    """A standby seen from the primary."""

    name: str
    client_addr: str | None
    state: str | None
    replay_lag_s: float | None
    replay_bytes: int | None


@dataclass
class PulseReading:
    """What the header shows after one tick."""

    states: Counter[str] = field(default_factory=Counter)
    total_sessions: int = 0
    max_connections: int = 0
    tps: float | None = None  # commits + rollbacks per second, bastion's own removed
    own_tps: float | None = None
    cache_hit: float | None = None  # percent, over the last interval
    rates: dict[str, float] = field(default_factory=dict)  # per second
    temp_bytes: int | None = None  # written during the last interval
    deadlocks: int | None = None  # during the last interval
    longest_xact_s: float | None = None
    longest_xact_pid: int | None = None
    in_recovery: bool = False
    replay_lag_s: float | None = None
    # A standby's WAL receiver: "streaming", "down" (lag unknown) or "hidden" from a
    # role without pg_read_all_stats (lag unknown too); "" on a primary.
    receiver: str = ""
    replicas: list[Replica] = field(default_factory=list)


def _clients(snapshot: SessionSnapshot) -> list[Session]:
    """Client sessions (and rows of unknown type, from before backend_type was readable)."""
    return [s for s in snapshot.sessions if s.backend_type is None or s.backend_type == CLIENT_BACKEND]


def count_states(snapshot: SessionSnapshot, clients: list[Session] | None = None) -> Counter[str]:
    """Client sessions by state; "waiting" counts lock waiters among the active."""
    clients = _clients(snapshot) if clients is None else clients
    # Counter counts an iterable in C: at 2,000 sessions a loop of += was 2 ms.
    states: Counter[str] = Counter(s.state or "unknown" for s in clients)
    states["waiting"] += sum(1 for s in clients if s.wait_event_type == "Lock" and s.state == ACTIVE)
    states[IDLE] += snapshot.idle_skipped
    for known in (ACTIVE, IDLE, IDLE_IN_TX, IDLE_IN_TX_ABORTED):
        states.setdefault(known, 0)
    return states


class Pulse:
    """Keeps the previous totals and the histories; feed it one tick at a time."""

    def __init__(self, history: int = HISTORY) -> None:
        self.previous: DatabaseTotals | None = None
        self.tps_history: deque[float] = deque(maxlen=history)
        self.active_history: deque[float] = deque(maxlen=history)
        self.cache_history: deque[float] = deque(maxlen=history)
        self.last: PulseReading = PulseReading()

    def update(self, totals: DatabaseTotals | None, snapshot: SessionSnapshot,
               replay_lag_s: float | None = None, replicas: list[Replica] | None = None) -> PulseReading:
        clients = _clients(snapshot)
        reading = PulseReading(states=count_states(snapshot, clients), replay_lag_s=replay_lag_s,
                               replicas=replicas or [])
        reading.total_sessions = snapshot.idle_skipped + len(clients)
        # Only sessions in a transaction have an xact_start: a few of 2,000 mostly idle.
        longest = max((s for s in clients if s.xact_start is not None and s.is_client),
                      key=lambda s: s.xact_age or 0.0, default=None)
        if longest is not None:
            reading.longest_xact_s, reading.longest_xact_pid = longest.xact_age, longest.pid
        if totals is not None:
            reading.max_connections = totals.max_connections
            reading.in_recovery = totals.in_recovery
            if self.previous is not None:
                self._rates(self.previous, totals, reading)
            self.previous = totals
        self.active_history.append(float(reading.states[ACTIVE]))
        if reading.tps is not None:
            self.tps_history.append(reading.tps)
        if reading.cache_hit is not None:
            self.cache_history.append(reading.cache_hit)
        self.last = reading
        return reading

    @staticmethod
    def _rates(before: DatabaseTotals, after: DatabaseTotals, reading: PulseReading) -> None:
        seconds = (after.now - before.now).total_seconds()
        if seconds <= 0:
            return
        delta: dict[str, int] = {k: max(0, after.counters.get(k, 0) - before.counters.get(k, 0))
                                 for k in COUNTERS}
        own = max(0, after.own_xacts - before.own_xacts)
        xacts = delta["xact_commit"] + delta["xact_rollback"]
        # Statistics are flushed by each backend about once a second, so our own
        # count can run ahead of the server's: never show a negative rate.
        reading.tps = max(0.0, (xacts - own) / seconds)
        reading.own_tps = own / seconds
        reads = delta["blks_read"] + delta["blks_hit"]
        reading.cache_hit = 100.0 * delta["blks_hit"] / reads if reads else None
        reading.rates = {k: delta[k] / seconds for k in
                         ("tup_inserted", "tup_updated", "tup_deleted", "tup_returned", "tup_fetched")}
        reading.temp_bytes = delta["temp_bytes"]
        reading.deadlocks = delta["deadlocks"]


def totals_from_row(row: dict[str, Any], own_xacts: int) -> DatabaseTotals:
    return DatabaseTotals(now=row["now"], counters={k: int(row[k] or 0) for k in COUNTERS},
                          max_connections=int(row["max_connections"]),
                          in_recovery=bool(row["in_recovery"]), own_xacts=own_xacts)


def sparkline(values: list[float] | deque[float], width: int) -> str:
    """Block characters for the last `width` values, scaled to their maximum."""
    bars = " ▁▂▃▄▅▆▇█"
    data = list(values)[-width:]
    if not data:
        return ""
    top = max(data) or 1.0
    low = min(data)
    span = top - low if top - low > top * 0.05 else top
    base = low if span != top else 0.0
    return "".join(bars[min(8, max(0, round((v - base) / span * 8)))] if span else bars[1] for v in data)
