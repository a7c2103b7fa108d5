"""One snapshot of pg_stat_activity, as rows keyed by (pid, backend_start)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import tuple_row

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


def session_key_text(pid: int, backend_start: datetime | None) -> str:
    """A session's key as text (table row keys, marks)."""
    # The start as epoch seconds: isoformat() was 3 ms of a refresh at 2,000 rows.
    start = f"{backend_start.timestamp():.6f}" if backend_start else "?"
    return f"{pid}@{start}"


class computed_once:  # noqa: N801 (used as a decorator, like property)
    """A property worked out on first use and then kept in the instance, even a
    frozen one. functools.cached_property takes a lock on every first use (3.11),
    which at 2,000 sessions and six properties each showed in a refresh's profile."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.compute(instance)
        return value


@dataclass(frozen=True)
class Session:
    """One backend as pg_stat_activity showed it at `now`.

    Ages and the one-line query are worked out once per snapshot (cached): the
    filter, the sort and the table cells each ask for them, for every row."""

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

    @computed_once
    def key_text(self) -> str:
        return session_key_text(self.pid, self.backend_start)

    @property
    def is_client(self) -> bool:
        return self.backend_type == CLIENT_BACKEND

    @computed_once
    def xact_age(self) -> float | None:
        return _age(self.now, self.xact_start)

    @computed_once
    def query_age(self) -> float | None:
        return _age(self.now, self.query_start)

    @computed_once
    def state_age(self) -> float | None:
        return _age(self.now, self.state_change)

    @computed_once
    def wait_age(self) -> float | None:
        """How long it has waited for a lock: waitstart on 14+, else since its query began."""
        if not self.is_lock_waiting:
            return None
        return _age(self.now, self.wait_start or self.query_start)

    @computed_once
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

    @computed_once
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
    idle_skipped: int = 0  # idle client sessions left on the server (not fetched)

    def by_pid(self) -> dict[int, Session]:
        return {s.pid: s for s in self.sessions}


_FIELDS = [f.name for f in fields(Session)]
_BLOCKED_BY = _FIELDS.index("blocked_by")
_NOW = _FIELDS.index("now")
_STATE = _FIELDS.index("state")
_CHANGE_US, _UNCHANGED = len(_FIELDS), len(_FIELDS) + 1  # the two columns of a `known` query


class KnownIdle:
    """The idle sessions of the last refresh, by pid, with their state_change in
    microseconds as the server wrote it: sent back with the next query, they come
    back empty while unchanged and are taken from here with the new `now`."""

    def __init__(self) -> None:
        self.sessions: dict[int, dict[str, Any]] = {}  # pid -> the Session's fields, no ages
        self.changes: dict[int, int] = {}  # pid -> state_change in µs
        self._params: tuple[dict[int, int], dict[str, str]] | None = None  # for these changes

    def params(self) -> dict[str, str]:
        """The query's %(known_pids)s and %(known_changes)s."""
        # Most refreshes find the same idle sessions: the text is kept, not joined again.
        if self._params is None or self._params[0] != self.changes:
            self._params = (self.changes, {"known_pids": ",".join(map(str, self.changes)),
                                           "known_changes": ",".join(map(str, self.changes.values()))})
        return self._params[1]


def session_row(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Session]:
    """A psycopg row factory: each row straight into a Session, by position (no dict
    per row: at 2,000 backends that was a good part of a refresh)."""
    names = [c.name for c in cursor.description or ()]
    if names != _FIELDS:
        raise ValueError(f"sessions query columns {names} are not Session's fields")

    def make(values: Sequence[Any]) -> Session:
        # Filled in like a plain object: a frozen dataclass's __init__ sets each of
        # the 22 fields through object.__setattr__, 5 µs a row (10 ms at 2,000).
        session = object.__new__(Session)
        session.__dict__.update(zip(_FIELDS, values, strict=True))
        session.__dict__["blocked_by"] = tuple(values[_BLOCKED_BY] or ())
        return session

    return make


def known_session_row(known: KnownIdle, seen: KnownIdle) -> Callable[[psycopg.Cursor[Any]], Callable[..., Session]]:
    """The row factory of a `known` sessions query: an unchanged row is the session
    of `known` at the new `now`; every idle session goes into `seen`, the next
    refresh's `known`."""

    def factory(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Session]:
        names = [c.name for c in cursor.description or ()]
        if names != [*_FIELDS, "change_us", "unchanged"]:
            raise ValueError(f"sessions query columns {names} are not Session's fields")

        now: list[Any] = [None]  # the first row's: an unchanged row after it has none of its own

        def make(values: Sequence[Any]) -> Session:
            session = object.__new__(Session)
            pid = values[0]
            if values[_NOW] is not None:
                now[0] = values[_NOW]
            if values[_UNCHANGED]:
                fields_ = known.sessions[pid]
                session.__dict__.update(fields_)
                session.__dict__["now"] = now[0]
                seen.sessions[pid] = fields_
                seen.changes[pid] = known.changes[pid]
                return session
            fields_ = dict(zip(_FIELDS, values[:_CHANGE_US], strict=True))
            fields_["blocked_by"] = tuple(values[_BLOCKED_BY] or ())
            session.__dict__.update(fields_)
            if values[_STATE] == IDLE and values[_CHANGE_US] is not None:
                # Kept with what does not move with the clock, for every refresh it stays idle.
                fields_["key_text"] = session.key_text
                fields_["query_line"] = session.query_line
                seen.sessions[pid] = fields_
                seen.changes[pid] = values[_CHANGE_US]
            return session

        return make

    return factory


def fetch_sessions(conn: psycopg.Connection[Any], version_num: int,
                   include_idle: bool = True, known: KnownIdle | None = None) -> tuple[SessionSnapshot, int]:
    """Read pg_stat_activity (with pg_blocking_pids only for lock waiters).

    Without `include_idle`, idle sessions are only counted, except those that
    block a waiter (often the root of a lock chain), fetched by pid. With
    `include_idle` and `known` (the last refresh's idle sessions, updated here),
    idle sessions that did nothing since come back from the server as their pid
    only. Returns the snapshot and how many statements were run (each is a transaction)."""
    if include_idle and known is not None:
        seen = KnownIdle()
        with conn.cursor(row_factory=known_session_row(known, seen)) as cur:
            sessions = cur.execute(q.sessions_query(version_num, known=True), known.params(), binary=True).fetchall()
        known.sessions, known.changes = seen.sessions, seen.changes
        now = sessions[0].now if sessions else None
        return SessionSnapshot(sessions=sessions, now=now), 1
    with conn.cursor(row_factory=session_row) as cur:
        # Binary rows: timestamps arrive as numbers, not text to parse (2 of 11 ms at 2,000).
        sessions = cur.execute(q.sessions_query(version_num, include_idle), binary=True).fetchall()
        statements = 1
        skipped = 0
        if not include_idle:
            count = conn.cursor(row_factory=tuple_row).execute(q.IDLE_COUNT).fetchone()
            skipped = int(count[0]) if count else 0
            fetched = {s.pid for s in sessions}
            # pid 0 stands for a prepared transaction, which has no row.
            missing = sorted({b for s in sessions for b in s.blocked_by if b and b not in fetched})
            statements += 1
            if missing:
                extra = cur.execute(q.sessions_query(version_num, by_pid=True), {"pids": missing},
                                    binary=True).fetchall()
                statements += 1
                sessions.extend(extra)
                skipped -= sum(1 for s in extra if s.state == IDLE)
    now = sessions[0].now if sessions else None
    return SessionSnapshot(sessions=sessions, now=now, idle_skipped=max(0, skipped)), statements
