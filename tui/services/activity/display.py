"""How the Activity pane shows what it polls: which view, the sessions' filter,
sort and marks, the statements' order, whether it is paused; and the status line
that says so. The pane's keys change this; the pane renders from it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tui.services.activity.filters import DEFAULT_SORT, SORT_KEYS, SessionFilter, sort_sessions
from tui.services.activity.monitor import Tick
from tui.services.activity.sessions import Session

VIEWS = {"sessions": "Sessions", "tree": "Blocking tree", "locks": "Locks",
         "statements": "Statements", "tables": "Tables", "indexes": "Indexes"}
STATEMENT_ORDERS = ("total_ms", "mean_ms", "calls", "rows")
SLOW_FETCH = 0.2  # seconds: a refresh this slow is worth saying in the status line


@dataclass
class DisplayState:
    """What the user chose to see; no Textual, no connection."""

    view: str = "sessions"
    filter: SessionFilter = field(default_factory=SessionFilter)
    sort_column: str = DEFAULT_SORT
    sort_descending: bool = True
    marked: set[str] = field(default_factory=set)  # Session.key_text of the marked rows
    statements_order: str = STATEMENT_ORDERS[0]
    paused: bool = False  # polling goes on; the tables stand still

    def visible(self, tick: Tick | None, own_pids: frozenset[int]) -> list[Session]:
        """The sessions of `tick` the filter lets through, in the chosen order."""
        if tick is None:
            return []
        shown = self.filter.apply(tick.snapshot.sessions, own_pids, frozenset(tick.roots))
        return sort_sessions(shown, self.sort_column, self.sort_descending)

    def toggle_idle(self) -> None:
        self.filter = replace(self.filter, hide_idle=not self.filter.hide_idle)

    def toggle_own(self) -> None:
        self.filter = replace(self.filter, hide_own=not self.filter.hide_own)

    def next_sort(self) -> None:
        columns = list(SORT_KEYS)
        self.sort_column = columns[(columns.index(self.sort_column) + 1) % len(columns)]

    def reverse_sort(self) -> None:
        self.sort_descending = not self.sort_descending

    def next_statements_order(self) -> None:
        index = STATEMENT_ORDERS.index(self.statements_order)
        self.statements_order = STATEMENT_ORDERS[(index + 1) % len(STATEMENT_ORDERS)]

    def toggle_mark(self, key: str) -> None:
        self.marked.symmetric_difference_update({key})

    def targets(self, tick: Tick | None, root: int | None, current: Session | None) -> list[Session]:
        """The sessions `c`/`k` act on: the tree's `root` blocker in the tree, else the
        marked sessions (those still there), else `current`, the one under the cursor."""
        if tick is None:
            return []
        sessions = tick.snapshot.sessions
        if self.view == "tree":
            return [s for s in sessions if s.pid == root]
        if self.marked:
            by_key = {s.key_text: s for s in sessions}
            return [by_key[k] for k in sorted(self.marked) if k in by_key]
        return [current] if current else []

    def status_line(self, tick: Tick | None, shown: int | None, interval: float | None) -> str:
        """The line under the pulse; `shown` is how many sessions are shown (needed
        in the sessions view once there is a tick), `interval` the refresh's."""
        parts = [f"[{VIEWS[self.view]}]"]
        if tick is not None:
            if self.view == "sessions":
                parts.append(f"{shown} of {len(tick.snapshot.sessions)} shown")
                parts.append(self.filter.describe() or "no filter")
                parts.append(f"sort {self.sort_column} {'↓' if self.sort_descending else '↑'}")
            if self.view == "statements":
                parts.append(f"top by {self.statements_order} (o changes)")
            if self.marked:
                parts.append(f"{len(self.marked)} marked")
            if tick.seconds >= SLOW_FETCH:  # a changing number would redraw the line every tick
                parts.append(f"slow: fetched in {tick.seconds * 1000:.0f} ms")
        if interval is not None:
            parts.append(f"every {interval:g} s")
        if self.paused:
            parts.append("PAUSED (space resumes)")
        return " · ".join(parts)
