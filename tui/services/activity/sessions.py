"""One snapshot of pg_stat_activity, as rows keyed by (pid, backend_start)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tui.sql import activity as q

IDLE = "idle"
ACTIVE = "active"
IDLE_IN_TX = "idle in transaction"
# The exact string, with parentheses (pg_activity misspells it and counts 0).
IDLE_IN_TX_ABORTED = "idle in transaction (aborted)"
CLIENT_BACKEND = "client backend"

_SPACE = re.compile(r"\s+")


def one_line(query: str | None) -> str:
    """A query with every run of whitespace collapsed to one space."""
    return _SPACE.sub(" ", query or "").strip()


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


@dataclass(frozen=True)
class Session:
    """One backend as pg_stat_activity showed it at `now`."""

    pid: int
    backend_start: datetime | None
    datname: str | None
    usename: str | None
    application_name: str | None
    client_addr: str | None
    client_port: int | None
    backend_type: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    xact_start: datetime | None
    query_start: datetime | None
    state_change: datetime | None
    backend_xid: str | None
    backend_xmin: str | None
    leader_pid: int | None
    query_id: int | None
    query: str | None
    blocked_by: tuple[int, ...]
    wait_start: datetime | None
    now: datetime

    @property
    def key(self) -> tuple[int, datetime | None]:
        """Pids are reused: a session is a pid *and* its start time."""
        return (self.pid, self.backend_start)

    @property
    def key_text(self) -> str:
        start = self.backend_start.isoformat() if self.backend_start else "?"
        return f"{self.pid}@{start}"

    @property
    def is_client(self) -> bool:
        return self.backend_type == CLIENT_BACKEND

    @property
    def xact_age(self) -> float | None:
        return _age(self.now, self.xact_start)

    @property
    def query_age(self) -> float | None:
        return _age(self.now, self.query_start)

    @property
    def state_age(self) -> float | None:
        return _age(self.now, self.state_change)

    @property
    def wait_age(self) -> float | None:
        """How long it has waited for a lock: waitstart on 14+, else since its query began."""
        if not self.is_lock_waiting:
            return None
        return _age(self.now, self.wait_start or self.query_start)

    @property
    def duration(self) -> float:
        """What "running for" means for its state: the statement when active,
        the transaction when idle in one, the idleness otherwise."""
        if self.state == ACTIVE:
            value = self.query_age
        elif self.state in (IDLE_IN_TX, IDLE_IN_TX_ABORTED):
            value = self.xact_age
        else:
            value = self.state_age
        return value or 0.0

    @property
    def is_lock_waiting(self) -> bool:
        return self.wait_event_type == "Lock"

    @property
    def query_line(self) -> str:
        return one_line(self.query)

    @property
    def hidden(self) -> bool:
        """Another role's row seen without pg_read_all_stats."""
        return self.query == "<insufficient privilege>"


@dataclass
class SessionSnapshot:
    """Every backend but the poller's own, and when the server took the picture."""

    sessions: list[Session] = field(default_factory=list)
    now: datetime | None = None

    def by_pid(self) -> dict[int, Session]:
        return {s.pid: s for s in self.sessions}


def session_from_row(row: dict[str, Any]) -> Session:
    row = dict(row)
    row["blocked_by"] = tuple(row.get("blocked_by") or ())
    return Session(**row)


def fetch_sessions(conn: psycopg.Connection[Any], version_num: int) -> SessionSnapshot:
    """Read pg_stat_activity once (with pg_blocking_pids only for lock waiters)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(q.sessions_query(version_num)).fetchall()
    sessions = [session_from_row(r) for r in rows]
    now = rows[0]["now"] if rows else None
    return SessionSnapshot(sessions=sessions, now=now)
