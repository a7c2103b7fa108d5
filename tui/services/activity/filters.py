"""Filters and sorting of sessions, applied on the client (never pasted into SQL)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from operator import attrgetter
from typing import Any

from tui.services.activity.sessions import ACTIVE, IDLE, IDLE_IN_TX, IDLE_IN_TX_ABORTED, Session

_DURATION = re.compile(r"^>(\d+(?:\.\d+)?)(ms|s|m|h)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}
_FIELDS = {"db": "database", "database": "database", "user": "user", "app": "application",
           "application": "application", "state": "state"}


@dataclass(frozen=True)
class SessionFilter:
    """What the sessions table shows; every part combines with the others."""

    hide_idle: bool = True
    hide_own: bool = False
    client_only: bool = False
    database: str | None = None
    user: str | None = None
    application: str | None = None
    state: str | None = None
    min_duration: float = 0.0
    search: str = ""

    def with_text(self, text: str) -> SessionFilter:
        """Parse the filter line: `db:shop user:app app:worker state:active >5s words…`.
        Plain words are searched in the query (case-insensitive)."""
        changes: dict[str, Any] = {"database": None, "user": None, "application": None,
                                   "state": None, "min_duration": 0.0}
        words: list[str] = []
        for token in text.split():
            name, sep, value = token.partition(":")
            match = _DURATION.match(token)
            if sep and name.lower() in _FIELDS and value:
                # state:idle_in_transaction reads better typed than quoted spaces
                changes[_FIELDS[name.lower()]] = value.replace("_", " ") if name.lower() == "state" else value
            elif match:
                changes["min_duration"] = float(match.group(1)) * _UNITS[match.group(2)]
            else:
                words.append(token)
        return replace(self, search=" ".join(words), **changes)

    def describe(self) -> str:
        parts = []
        if self.hide_idle:
            parts.append("idle hidden")
        if self.hide_own:
            parts.append("bastion hidden")
        for label, value in (("db", self.database), ("user", self.user),
                             ("app", self.application), ("state", self.state)):
            if value:
                parts.append(f"{label}:{value}")
        if self.min_duration:
            parts.append(f">{self.min_duration:g}s")
        if self.search:
            parts.append(f"“{self.search}”")
        return " · ".join(parts)

    def accepts(self, session: Session, own_pids: frozenset[int] = frozenset(),
                blockers: frozenset[int] = frozenset()) -> bool:
        """`blockers` are shown even when idle: an idle session holding a lock matters."""
        hide_idle = self.hide_idle and session.pid not in blockers
        if hide_idle and session.state == IDLE:
            return False
        # Background processes (checkpointer, walwriter…) have no state: idle too.
        if hide_idle and session.state is None and session.backend_type not in (None, "client backend"):
            return False
        if self.hide_own and session.pid in own_pids:
            return False
        if self.client_only and not session.is_client:
            return False
        for wanted, value in ((self.database, session.datname), (self.user, session.usename),
                              (self.application, session.application_name),
                              (self.state, session.state)):
            if wanted and wanted.lower() not in (value or "").lower():
                return False
        if self.min_duration and session.duration < self.min_duration:
            return False
        return not (self.search and self.search.lower() not in (session.query or "").lower())

    def apply(self, sessions: Iterable[Session], own_pids: frozenset[int] = frozenset(),
              blockers: frozenset[int] = frozenset()) -> list[Session]:
        if not self.hide_idle and self == SessionFilter(hide_idle=False):
            return list(sessions)  # everything shown: 2,000 calls to accepts() were 1.5 ms
        return [s for s in sessions if self.accepts(s, own_pids, blockers)]


def _running_since(s: Session) -> datetime:
    """The order of Session.duration, reversed, without working it out: the moment
    it counts from (ages share one `now`). 2,000 durations were 4 ms a sort, and
    datetime.timestamp() (zone lookups) 3 ms: datetimes of one zone compare at once."""
    state = s.state
    if state == ACTIVE:
        start = s.query_start
    elif state == IDLE_IN_TX or state == IDLE_IN_TX_ABORTED:
        start = s.xact_start
    else:
        start = s.state_change
    if start is None or start >= s.now:  # a duration of 0, as Session.duration says
        start = s.now
    return start


# Sort keys by column; None sorts last whichever way.
SORT_KEYS: dict[str, Callable[[Session], Any]] = {
    "pid": lambda s: s.pid,
    "database": lambda s: s.datname or "",
    "user": lambda s: s.usename or "",
    "application": lambda s: s.application_name or "",
    "client": lambda s: s.client_addr or "",
    "backend_type": lambda s: s.backend_type or "",
    "state": lambda s: s.state or "",
    "wait": lambda s: f"{s.wait_event_type or ''}:{s.wait_event or ''}",
    "xact_age": lambda s: s.xact_age if s.xact_age is not None else -1.0,
    "query_age": lambda s: s.query_age if s.query_age is not None else -1.0,
    "duration": lambda s: s.duration,
    "query": lambda s: s.query_line,
}
DEFAULT_SORT = "duration"


def sort_sessions(sessions: Iterable[Session], column: str = DEFAULT_SORT,
                  descending: bool = True) -> list[Session]:
    """Sorted by a column of SORT_KEYS; ties broken by pid so rows do not jump."""
    by_pid = sorted(sessions, key=attrgetter("pid"))
    if column == "duration":  # the longest first is the earliest start first
        return sorted(by_pid, key=_running_since, reverse=not descending)
    return sorted(by_pid, key=SORT_KEYS[column], reverse=descending)
