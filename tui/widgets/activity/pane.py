"""The Activity tab: live sessions, the blocking tree, the server's pulse,
cancel/terminate, and the Locks / Statements / Tables / Indexes views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static
from textual.worker import get_current_worker

from tui.db.base import Database
from tui.db.link import close_in_background, is_connection_lost
from tui.db.roles import ACTIVITY, ACTIVITY_ACTIONS
from tui.formatting import first_line
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.activity import ActionResult, ActivityMonitor, SessionFilter, Tick, blocking_tree, sort_sessions
from tui.services.activity.actions import ActionConnection, signal_backend
from tui.services.activity.blocking import blocking_edges
from tui.services.activity.filters import DEFAULT_SORT, SORT_KEYS
from tui.services.activity.sessions import Session
from tui.services.activity.views import SUB_VIEWS, SessionDetail, ViewRows, session_detail, sub_view
from tui.widgets.activity.cells import Thresholds
from tui.widgets.activity.detail import SessionDetailScreen
from tui.widgets.activity.pulse_header import PulseHeader
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.signals import SignalRequest
from tui.widgets.activity.tree_table import BlockingTreeTable
from tui.widgets.activity.view_table import ViewTable
from tui.widgets.steady_input import SteadyInput

INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
VIEWS = {"sessions": "Sessions", "tree": "Blocking tree", "locks": "Locks",
         "statements": "Statements", "tables": "Tables", "indexes": "Indexes"}
MAX_BACKOFF = 30.0
STATEMENT_ORDERS = ("total_ms", "mean_ms", "calls", "rows")
SLOW_FETCH = 0.2  # seconds: a refresh this slow is worth saying in the status line


def update_if_changed(widget: Static, text: str) -> None:
    """Static.update repaints even when nothing changed: bytes on a slow link."""
    if widget.content != text:
        widget.update(text)


class ActivityPane(Widget):
    """Live activity of a PostgreSQL server; for SQLite, says there is none.

    One polling connection (the monitor) and one for actions (sub-views, the
    session detail, cancel/terminate), both opened in workers, so a slow detail
    query or a signal cannot delay a refresh. The next tick is scheduled only
    when the previous one has finished."""

    BINDINGS = [
        Binding("space", "pause", "Pause", id="activity.pause"),
        Binding("r", "refresh_now", "Refresh", id="activity.refresh_now"),
        Binding("plus,equals_sign", "interval(-1)", "Faster", key_display="+", id="activity.faster"),
        Binding("minus", "interval(1)", "Slower", key_display="-", id="activity.slower"),
        Binding("i", "toggle_idle", "Idle", id="activity.toggle_idle"),
        Binding("b", "toggle_own", "Bastion", show=False, id="activity.toggle_own"),
        Binding("slash", "filter", "Filter", key_display="/", id="activity.filter"),
        Binding("o", "sort", "Sort", id="activity.sort"),
        Binding("O", "sort_reverse", "Reverse", show=False, id="activity.sort_reverse"),
        Binding("enter", "detail", "Detail", show=False, id="activity.detail"),
        Binding("m", "mark", "Mark", id="activity.mark"),
        Binding("c", "signal('cancel')", "Cancel", id="activity.cancel_session"),
        Binding("k", "signal('terminate')", "Terminate", id="activity.terminate_session"),
        Binding("a", "view('sessions')", "Sessions", show=False, id="activity.view_sessions"),
        Binding("t", "view('tree')", "Tree", id="activity.view_tree"),
        Binding("l", "view('locks')", "Locks", id="activity.view_locks"),
        Binding("S", "view('statements')", "Statements", show=False, id="activity.view_statements"),
        Binding("T", "view('tables')", "Tables", show=False, id="activity.view_tables"),
        Binding("I", "view('indexes')", "Indexes", show=False, id="activity.view_indexes"),
        Binding("escape", "view('sessions')", "Back", show=False, id="activity.back"),
    ]
    DEFAULT_CSS = """
    ActivityPane { height: 1fr; }
    ActivityPane #activity-banner { display: none; background: $warning 30%; padding: 0 1; }
    ActivityPane #activity-banner.-shown { display: block; }
    ActivityPane #activity-status { height: 1; padding: 0 1; color: $text-muted; }
    ActivityPane #activity-filter { display: none; }
    ActivityPane #activity-filter.-shown { display: block; }
    ActivityPane #activity-note { display: none; height: auto; padding: 0 1; color: $text-muted; }
    ActivityPane #activity-note.-shown { display: block; }
    ActivityPane .activity-none { padding: 1 2; }
    """

    class Ticked(Message):
        """A refresh finished: its tick, or the error it failed with."""

        def __init__(self, tick: Tick | None, error: BaseException | None = None) -> None:
            super().__init__()
            self.tick = tick
            self.error = error

    class ViewLoaded(Message):
        """A sub-view's rows arrived (or the error that stopped them)."""

        def __init__(self, view: str, rows: ViewRows | None, error: str = "") -> None:
            super().__init__()
            self.view = view
            self.rows = rows
            self.error = error

    class DetailLoaded(Message):
        """One session's detail arrived (or the error that stopped it)."""

        def __init__(self, detail: SessionDetail | None, blockers: list[int], waiters: list[int],
                     error: str = "") -> None:
            super().__init__()
            self.detail = detail
            self.blockers = blockers
            self.waiters = waiters
            self.error = error

    class SignalSent(Message):
        """What happened to one session of a cancel or terminate."""

        def __init__(self, result: ActionResult) -> None:
            super().__init__()
            self.result = result

    class SignalsFinished(Message):
        """Every session of a cancel or terminate was tried (or `error` stopped it)."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    def __init__(self, database: Database, profile: Profile, *, monitor: ActivityMonitor | None = None,
                 interval: float = 2.0, thresholds: Thresholds | None = None) -> None:
        super().__init__(id="activity-pane")
        self.database = database
        self.profile = profile
        self.postgres = database.info.kind == "postgresql"
        self.monitor = monitor or (ActivityMonitor(lambda: database.connect(ACTIVITY), database.info, interval)
                                   if self.postgres else None)
        if self.monitor is not None:
            self.monitor.interval = interval
        # Opened on first use only: SQLite has no second connection to give.
        self.actions = ActionConnection(lambda: database.connect(ACTIVITY_ACTIONS))
        self.thresholds = thresholds or Thresholds()
        self.filter = SessionFilter()
        self.sort_column, self.sort_descending = DEFAULT_SORT, True
        self.paused = False
        self.view = "sessions"
        self.marked: set[str] = set()
        self.statements_order = STATEMENT_ORDERS[0]
        self.last_tick: Tick | None = None
        self._timer: Timer | None = None
        self._ticking = False
        self._refresh_wanted = False
        self._failures = 0
        self._error = ""
        self._closed = False

    # -- layout ----------------------------------------------------------------
    def focus_default(self) -> None:
        """What gets the keys when the Activity tab is opened: the sessions table."""
        tables = self.query(SessionTable)
        (tables.first() if tables else self).focus()

    def compose(self) -> ComposeResult:
        if not self.postgres:
            yield Static("SQLite has no server and so no server activity to show: no other "
                         "sessions, locks or statistics. This tab is for PostgreSQL profiles.",
                         classes="activity-none", markup=False)
            return
        with Vertical():
            yield PulseHeader(id="activity-pulse")
            yield Static("", id="activity-banner", markup=False)
            yield Static("", id="activity-status", markup=False)
            yield SteadyInput(placeholder="filter: words in the query, db:NAME user:NAME app:NAME "
                              "state:idle_in_transaction >5s", id="activity-filter")
            yield Static("", id="activity-note", markup=False)
            with ContentSwitcher(initial="sessions", id="activity-views"):
                yield SessionTable(id="sessions")
                yield BlockingTreeTable(id="tree")
                for view in SUB_VIEWS:
                    yield ViewTable(id=view)

    def on_mount(self) -> None:
        if self.monitor is not None:
            self._start_tick()

    def on_unmount(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.stop()
        # A running tick is cancelled first: close() waits for it.
        close_in_background(self.monitor, "activity-close")
        close_in_background(self.actions, "activity-actions-close")

    def link_restored(self) -> None:
        """The workspace reconnected: both connections are checked before their next
        use, and a refresh waiting out its own backoff runs now."""
        if self.monitor is None:
            return
        self.monitor.check_first = True
        self.actions.check_first = True
        if self._failures and not self._ticking:
            self._failures = 0
            self._schedule(0)

    # -- the refresh loop --------------------------------------------------------
    def _start_tick(self) -> None:
        if self._closed or self._ticking or self.monitor is None:
            return
        self._ticking = True
        self._tick(self.monitor)

    @work(thread=True, group="activity-tick", exit_on_error=False)
    def _tick(self, monitor: ActivityMonitor) -> None:
        try:
            tick = monitor.tick()
        except Exception as exc:  # every failure is shown in the banner and retried
            self.post_message(self.Ticked(None, exc))
        else:
            self.post_message(self.Ticked(tick))

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.stop()
        # Textual's timers divide by their delay: never 0.
        self._timer = self.set_timer(max(0.01, delay), self._start_tick)

    def on_activity_pane_ticked(self, event: Ticked) -> None:
        event.stop()
        if self._closed:
            return
        self._ticking = False
        assert self.monitor is not None
        interval = self.monitor.interval
        if event.tick is not None:
            self._failures, self._error = 0, ""
            self.last_tick = event.tick
            self._render_tick()
            delay = 0.0 if self._refresh_wanted else interval
        else:
            error = event.error or Exception("cancelled")
            if is_connection_lost(error):
                # Keep the history; reconnect with backoff.
                self._failures += 1
                self.monitor.close()
                delay = min(MAX_BACKOFF, interval * 2 ** (self._failures - 1))
                self._error = f"Connection lost ({first_line(error)}); reconnecting in {delay:g} s…"
                self.post_message(ConnectionLost(first_line(error)))  # the workspace's banner
            else:
                delay = interval
                self._error = f"Refresh failed: {first_line(error)}"
            self._render_banner()
            self._render_status()
        self._refresh_wanted = False
        self._schedule(delay)

    # -- rendering -------------------------------------------------------------
    @property
    def own_pids(self) -> frozenset[int]:
        pids = {self.database.info.backend_pid}
        if self.monitor is not None:
            pids.add(self.monitor.pid)
        pids.add(self.actions.pid)
        return frozenset(p for p in pids if p is not None)

    def visible_sessions(self) -> list[Session]:
        if self.last_tick is None:
            return []
        shown = self.filter.apply(self.last_tick.snapshot.sessions, self.own_pids,
                                  frozenset(self.last_tick.roots))
        return sort_sessions(shown, self.sort_column, self.sort_descending)

    def _render_tick(self) -> None:
        tick = self.last_tick
        if tick is None or self.monitor is None:
            return
        self.query_one(PulseHeader).show(self.monitor.pulse)
        self._render_banner()
        shown = None
        if not self.paused:
            shown = self.visible_sessions()  # once: filtering 2,000 sessions is not free
            self.query_one(SessionTable).show(shown, self.marked, set(tick.roots), self.thresholds)
            self.query_one(BlockingTreeTable).show(blocking_tree(tick.snapshot.sessions))
        self._render_status(None if shown is None else len(shown))

    def _render_banner(self) -> None:
        banner = self.query_one("#activity-banner", Static)
        text = " · ".join(t for t in (self._error, self.last_tick.banner if self.last_tick else "") if t)
        update_if_changed(banner, text)
        banner.set_class(bool(text), "-shown")

    def _render_status(self, shown: int | None = None) -> None:
        """The status line; `shown` is how many sessions are shown, when known."""
        tick = self.last_tick
        parts = [f"[{VIEWS[self.view]}]"]
        if tick is not None:
            if self.view == "sessions":
                count = len(self.visible_sessions()) if shown is None else shown
                parts.append(f"{count} of {len(tick.snapshot.sessions)} shown")
                parts.append(self.filter.describe() or "no filter")
                parts.append(f"sort {self.sort_column} {'↓' if self.sort_descending else '↑'}")
            if self.view == "statements":
                parts.append(f"top by {self.statements_order} (o changes)")
            if self.marked:
                parts.append(f"{len(self.marked)} marked")
            if tick.seconds >= SLOW_FETCH:  # a changing number would redraw the line every tick
                parts.append(f"slow: fetched in {tick.seconds * 1000:.0f} ms")
        if self.monitor is not None:
            parts.append(f"every {self.monitor.interval:g} s")
        if self.paused:
            parts.append("PAUSED (space resumes)")
        update_if_changed(self.query_one("#activity-status", Static), " · ".join(parts))

    # -- keys ------------------------------------------------------------------
    def action_pause(self) -> None:
        # Polling goes on while paused, so the pulse history has no gap.
        self.paused = not self.paused
        self._render_tick() if not self.paused else self._render_status()

    def action_refresh_now(self) -> None:
        if self.view in SUB_VIEWS:
            self._load_view(self.view)
        if self._ticking:
            self._refresh_wanted = True
        else:
            if self._timer is not None:
                self._timer.stop()
            self._start_tick()

    def action_interval(self, step: int) -> None:
        monitor = self.monitor
        if monitor is None:
            return
        index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - monitor.interval))
        monitor.interval = INTERVALS[max(0, min(len(INTERVALS) - 1, index + step))]
        self._render_status()

    def action_toggle_idle(self) -> None:
        self.filter = replace(self.filter, hide_idle=not self.filter.hide_idle)
        self._render_tick()
        if self.monitor is not None and self.monitor.include_idle == self.filter.hide_idle:
            # Idle rows are fetched only while shown: ask for them now.
            self.monitor.include_idle = not self.filter.hide_idle
            self.action_refresh_now()

    def action_toggle_own(self) -> None:
        self.filter = replace(self.filter, hide_own=not self.filter.hide_own)
        self._render_tick()

    def action_sort(self) -> None:
        if self.view == "statements":
            index = STATEMENT_ORDERS.index(self.statements_order)
            self.statements_order = STATEMENT_ORDERS[(index + 1) % len(STATEMENT_ORDERS)]
            self._load_view("statements")
            self._render_status()
            return
        columns = list(SORT_KEYS)
        self.sort_column = columns[(columns.index(self.sort_column) + 1) % len(columns)]
        self._render_tick()

    def action_sort_reverse(self) -> None:
        self.sort_descending = not self.sort_descending
        self._render_tick()

    def action_filter(self) -> None:
        box = self.query_one("#activity-filter", SteadyInput)
        box.add_class("-shown")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.filter = self.filter.with_text(event.value)
        box = self.query_one("#activity-filter", SteadyInput)
        box.set_class(bool(event.value.strip()), "-shown")
        self.query_one(SessionTable).focus()
        self._render_tick()

    def action_mark(self) -> None:
        table = self.query_one(SessionTable)
        key = table.current_key
        if key is None:
            return
        self.marked.symmetric_difference_update({key})
        self._render_tick()
        table.action_cursor_down()

    def action_view(self, view: str) -> None:
        self.view = view
        self.query_one("#activity-views", ContentSwitcher).current = view
        self.query_one(f"#{view}").focus()
        self._note("")
        if view in SUB_VIEWS:
            self._load_view(view)
        self._render_status()

    # -- the action connection: sub-views, the detail, cancel/terminate ---------------
    def _load_view(self, view: str) -> None:
        monitor = self.monitor
        if monitor is None:
            return
        version, order = self.database.info.version_num, self.statements_order
        self._fetch_view(view, lambda c: sub_view(c, view, version, monitor.features, order))

    @work(thread=True, group="activity-view", exclusive=True, exit_on_error=False)
    def _fetch_view(self, view: str, load: Callable[[psycopg.Connection[Any]], ViewRows]) -> None:
        try:
            message = self.ViewLoaded(view, self.actions.run(load))
        except Exception as exc:
            message = self.ViewLoaded(view, None, first_line(exc))
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.post_message(message)

    def on_activity_pane_view_loaded(self, event: ViewLoaded) -> None:
        event.stop()
        if self._closed:
            return
        if event.rows is None:
            self.notify(f"Activity: {event.error}", severity="error")
            return
        self._show_view(event.view, event.rows)

    def _show_view(self, view: str, rows: ViewRows) -> None:
        self.query_one(f"#{view}", ViewTable).load(rows)
        self._note(rows.note)

    def _note(self, text: str) -> None:
        note = self.query_one("#activity-note", Static)
        note.update(text)
        note.set_class(bool(text), "-shown")

    def action_detail(self) -> None:
        if self.view == "sessions":
            self._open_detail(self.query_one(SessionTable).current)
        elif self.view == "tree":
            self._open_detail(self.query_one(BlockingTreeTable).current)

    def on_session_table_detail_requested(self, event: SessionTable.DetailRequested) -> None:
        event.stop()
        self._open_detail(event.session)

    def on_blocking_tree_table_detail_requested(self, event: BlockingTreeTable.DetailRequested) -> None:
        event.stop()
        self._open_detail(event.session)

    def _open_detail(self, session: Session | None) -> None:
        if session is None or self.monitor is None or self.last_tick is None:
            return
        edges = blocking_edges(self.last_tick.snapshot.sessions)
        waiters = sorted(edges.get(session.pid, ()))
        version, features = self.database.info.version_num, self.monitor.features
        self._fetch_detail(lambda c: session_detail(c, session, version, features), list(session.blocked_by),
                           waiters)

    @work(thread=True, group="activity-detail", exclusive=True, exit_on_error=False)
    def _fetch_detail(self, load: Callable[[psycopg.Connection[Any]], SessionDetail], blockers: list[int],
                      waiters: list[int]) -> None:
        try:
            detail = self.actions.run(load)
            message = self.DetailLoaded(detail, blockers, waiters)
        except Exception as exc:
            message = self.DetailLoaded(None, blockers, waiters, first_line(exc))
        if not get_current_worker().is_cancelled:  # a newer enter replaced this one
            self.post_message(message)

    def on_activity_pane_detail_loaded(self, event: DetailLoaded) -> None:
        event.stop()
        if self._closed:
            return
        if event.detail is None:
            self.notify(f"Activity: {event.error}", severity="error")
            return
        self.app.push_screen(SessionDetailScreen(event.detail, event.blockers, event.waiters))

    def _targets(self) -> list[Session]:
        """The sessions `c`/`k` act on: the root blocker in the tree, else the marked
        sessions, else the one under the cursor."""
        tick = self.last_tick
        if tick is None:
            return []
        if self.view == "tree":
            root = self.query_one(BlockingTreeTable).current_root
            return [s for s in tick.snapshot.sessions if s.pid == root]
        if self.marked:
            by_key = {s.key_text: s for s in tick.snapshot.sessions}
            return [by_key[k] for k in sorted(self.marked) if k in by_key]
        current = self.query_one(SessionTable).current
        return [current] if current else []

    def action_signal(self, action: str) -> None:
        targets = self._targets()
        if not targets:
            self.notify("No session selected.", severity="warning")
            return
        request = SignalRequest.of(action, targets, self.own_pids)
        for why in request.refused:
            self.notify(f"Refused: {why}.", severity="error")
        if not request.targets:
            return
        confirmation = request.confirmation(root=self.view == "tree", production=self.profile.production)
        self.app.push_screen(confirmation, lambda yes: self._send(request) if yes else None)

    def _send(self, request: SignalRequest) -> None:
        self._signal(request, self.own_pids)

    @work(thread=True, group="activity-action", exit_on_error=False)
    def _signal(self, request: SignalRequest, own: frozenset[int]) -> None:
        try:
            for s in request.targets:
                result = self.actions.run(lambda c, s=s: signal_backend(
                    c, request.action, s.pid, s.backend_start, own | {c.info.backend_pid}))
                self.post_message(self.SignalSent(result))
        except Exception as exc:
            self.post_message(self.SignalsFinished(first_line(exc)))
        else:
            self.post_message(self.SignalsFinished())

    def on_activity_pane_signal_sent(self, event: SignalSent) -> None:
        event.stop()
        self.notify(event.result.message, severity="information" if event.result.ok else "error")

    def on_activity_pane_signals_finished(self, event: SignalsFinished) -> None:
        event.stop()
        if event.error:
            self.notify(f"Activity: {event.error}", severity="error")
            return
        self.marked.clear()
        self.action_refresh_now()
