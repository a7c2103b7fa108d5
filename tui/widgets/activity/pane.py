"""The Activity tab: live sessions, the blocking tree, the server's pulse,
cancel/terminate, and the Locks / Statements / Tables / Indexes views."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.db.base import Database
from tui.db.link import close_in_background, is_connection_lost
from tui.db.roles import ACTIVITY, ACTIVITY_ACTIONS
from tui.formatting import first_line
from tui.messages import ConnectionLost, RecoveryChanged
from tui.profiles import Profile
from tui.services.activity import ActivityMonitor, Tick, blocking_tree
from tui.services.activity.actions import ActionConnection
from tui.services.activity.display import DisplayState
from tui.services.activity.refresh import RefreshLoop, step_interval
from tui.services.activity.sessions import Session
from tui.services.activity.views import SUB_VIEWS, ViewRows
from tui.widgets.activity.cells import Thresholds
from tui.widgets.activity.pulse_header import PulseHeader
from tui.widgets.activity.session_actions import SessionActions
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.tree_table import BlockingTreeTable
from tui.widgets.activity.views import ActivityViews
from tui.widgets.steady_input import SteadyInput


def update_if_changed(widget: Static, text: str) -> None:
    """Static.update repaints even when nothing changed: bytes on a slow link."""
    if widget.content != text:
        widget.update(text)


class ActivityPane(Widget):
    """Live activity of a PostgreSQL server; for SQLite, says there is none.

    One polling connection (the monitor) and one for actions (sub-views, the
    session detail, cancel/terminate), both opened in workers, so a slow detail
    query or a signal cannot delay a refresh. The next tick is scheduled only
    when the previous one has finished (RefreshLoop decides when); what is shown
    and how is a DisplayState; the tables are an ActivityViews; the detail and
    cancel/terminate are SessionActions.

    The session keys are the pane's, not the tables': the footer lists them in
    this order whichever table has the focus."""

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
        self.display_state = DisplayState()
        self.refresh_loop = RefreshLoop()
        self.last_tick: Tick | None = None
        self.in_recovery: bool | None = None  # as the last tick read it
        self._timer: Timer | None = None
        self.session_actions = SessionActions(self)

    # What the keys change lives in display_state; these names are the pane's own.
    @property
    def view(self) -> str:
        """The view shown: sessions, tree, or one of SUB_VIEWS."""
        return self.display_state.view

    @property
    def _failures(self) -> int:
        """Connection losses in a row (the reconnect tests watch it)."""
        return self.refresh_loop.failures

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
            yield ActivityViews(self.actions, id="activity-views")

    def on_mount(self) -> None:
        if self.monitor is not None:
            self._start_tick()

    def on_unmount(self) -> None:
        self.refresh_loop.closed = True
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
        if self.refresh_loop.restored():
            self._schedule(0)

    # -- the refresh loop --------------------------------------------------------
    def _start_tick(self) -> None:
        if self.monitor is None or not self.refresh_loop.start():
            return
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
        if self.refresh_loop.closed:
            return
        assert self.monitor is not None
        interval = self.monitor.interval
        if event.tick is not None:
            delay = self.refresh_loop.succeeded(interval)
            self.last_tick = event.tick
            self._render_tick()
            if event.tick.in_recovery is not None and event.tick.in_recovery != self.in_recovery:
                self.in_recovery = event.tick.in_recovery
                self.post_message(RecoveryChanged(self.in_recovery))  # a promotion: the header follows
        else:
            error = event.error or Exception("cancelled")
            lost = is_connection_lost(error)
            delay = self.refresh_loop.failed(first_line(error), lost, interval)
            if lost:
                self.monitor.close()  # keep the history; reconnect with backoff
                self.post_message(ConnectionLost(first_line(error)))  # the workspace's banner
            self._render_banner()
            self._render_status()
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
        return self.display_state.visible(self.last_tick, self.own_pids)

    def _render_tick(self) -> None:
        tick = self.last_tick
        if tick is None or self.monitor is None:
            return
        self.query_one(PulseHeader).show(self.monitor.pulse)
        self._render_banner()
        shown = None
        if not self.display_state.paused:
            shown = self.visible_sessions()  # once: filtering 2,000 sessions is not free
            self.query_one(ActivityViews).show_sessions(shown, self.display_state.marked, set(tick.roots),
                                                        self.thresholds, blocking_tree(tick.snapshot.sessions))
        self._render_status(None if shown is None else len(shown))

    def _render_banner(self) -> None:
        banner = self.query_one("#activity-banner", Static)
        error = self.refresh_loop.error
        text = " · ".join(t for t in (error, self.last_tick.banner if self.last_tick else "") if t)
        update_if_changed(banner, text)
        banner.set_class(bool(text), "-shown")

    def _render_status(self, shown: int | None = None) -> None:
        """The status line; `shown` is how many sessions are shown, when known."""
        if shown is None and self.view == "sessions" and self.last_tick is not None:
            shown = len(self.visible_sessions())
        interval = self.monitor.interval if self.monitor is not None else None
        update_if_changed(self.query_one("#activity-status", Static),
                          self.display_state.status_line(self.last_tick, shown, interval))

    # -- keys ------------------------------------------------------------------
    def action_pause(self) -> None:
        # Polling goes on while paused, so the pulse history has no gap.
        self.display_state.paused = not self.display_state.paused
        self._render_tick() if not self.display_state.paused else self._render_status()

    def action_refresh_now(self) -> None:
        if self.view in SUB_VIEWS:
            self._load_view(self.view)
        if self.refresh_loop.refresh_now():
            if self._timer is not None:
                self._timer.stop()
            self._start_tick()

    def action_interval(self, step: int) -> None:
        if self.monitor is None:
            return
        self.monitor.interval = step_interval(self.monitor.interval, step)
        self._render_status()

    def action_toggle_idle(self) -> None:
        self.display_state.toggle_idle()
        self._render_tick()
        if self.monitor is not None and self.monitor.include_idle == self.display_state.filter.hide_idle:
            # Idle rows are fetched only while shown: ask for them now.
            self.monitor.include_idle = not self.display_state.filter.hide_idle
            self.action_refresh_now()

    def action_toggle_own(self) -> None:
        self.display_state.toggle_own()
        self._render_tick()

    def action_sort(self) -> None:
        if self.view == "statements":
            self.display_state.next_statements_order()
            self._load_view("statements")
            self._render_status()
            return
        self.display_state.next_sort()
        self._render_tick()

    def action_sort_reverse(self) -> None:
        self.display_state.reverse_sort()
        self._render_tick()

    def action_filter(self) -> None:
        box = self.query_one("#activity-filter", SteadyInput)
        box.add_class("-shown")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.display_state.filter = self.display_state.filter.with_text(event.value)
        box = self.query_one("#activity-filter", SteadyInput)
        box.set_class(bool(event.value.strip()), "-shown")
        self.query_one(SessionTable).focus()
        self._render_tick()

    def action_mark(self) -> None:
        table = self.query_one(SessionTable)
        key = table.current_key
        if key is None:
            return
        self.display_state.toggle_mark(key)
        self._render_tick()
        table.action_cursor_down()

    def action_view(self, view: str) -> None:
        self.display_state.view = view
        self.query_one(ActivityViews).switch_to(view)
        self._note("")
        if view in SUB_VIEWS:
            self._load_view(view)
        self._render_status()

    # -- the action connection: sub-views, the detail, cancel/terminate ---------------
    def _load_view(self, view: str) -> None:
        if self.monitor is None:
            return
        self.query_one(ActivityViews).load_view(view, self.database.info.version_num, self.monitor.features,
                                                self.display_state.statements_order)

    def on_activity_views_view_loaded(self, event: ActivityViews.ViewLoaded) -> None:
        event.stop()
        if self.refresh_loop.closed:
            return
        if event.rows is None:
            self.notify(f"Activity: {event.error}", severity="error")
            return
        self._show_view(event.view, event.rows)

    def _show_view(self, view: str, rows: ViewRows) -> None:
        self.query_one(ActivityViews).show_rows(view, rows)
        self._note(rows.note)

    def _note(self, text: str) -> None:
        note = self.query_one("#activity-note", Static)
        note.update(text)
        note.set_class(bool(text), "-shown")

    def action_detail(self) -> None:
        if self.view in ("sessions", "tree"):
            self.session_actions.open_detail(self.query_one(ActivityViews).selected)

    @on(SessionTable.DetailRequested)
    @on(BlockingTreeTable.DetailRequested)
    def _detail_requested(self, event: SessionTable.DetailRequested | BlockingTreeTable.DetailRequested) -> None:
        event.stop()
        self.session_actions.open_detail(event.session)

    def on_activity_views_detail_loaded(self, event: ActivityViews.DetailLoaded) -> None:
        event.stop()
        self.session_actions.detail_loaded(event)

    def action_signal(self, action: str) -> None:
        self.session_actions.signal(action)

    def on_activity_views_signal_sent(self, event: ActivityViews.SignalSent) -> None:
        event.stop()
        self.notify(event.result.message, severity="information" if event.result.ok else "error")

    def on_activity_views_signals_finished(self, event: ActivityViews.SignalsFinished) -> None:
        event.stop()
        self.session_actions.signals_finished(event)
