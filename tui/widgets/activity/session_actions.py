"""Activity's actions on sessions: the session detail and cancel / terminate, over
the pane's action connection (ActivityViews runs them in its workers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.services.activity.sessions import Session
from tui.widgets.activity.detail import SessionDetailScreen
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.signals import SignalRequest
from tui.widgets.activity.views import ActivityViews

if TYPE_CHECKING:
    from tui.widgets.activity.pane import ActivityPane


class SessionActions:
    """What the pane does when the user opens a session or signals sessions."""

    def __init__(self, pane: ActivityPane) -> None:
        self.pane = pane

    def open_detail(self, session: Session | None) -> None:
        """Load the detail of `session` (its query, locks, blockers and waiters)."""
        pane = self.pane
        if session is None or pane.monitor is None or pane.last_tick is None:
            return
        pane.query_one(ActivityViews).load_detail(session, pane.last_tick.snapshot.sessions,
                                                  pane.database.info.version_num, pane.monitor.features)

    def detail_loaded(self, event: ActivityViews.DetailLoaded) -> None:
        """The detail read: shown in its screen, or the error told."""
        pane = self.pane
        if pane.refresh_loop.closed:
            return
        if event.detail is None:
            pane.notify(f"Activity: {event.error}", severity="error")
            return
        pane.app.push_screen(SessionDetailScreen(event.detail, event.blockers, event.waiters))

    def signal(self, action: str) -> None:
        """Cancel or terminate the marked sessions (or the selected one), after confirmation."""
        pane = self.pane
        views = pane.query_one(ActivityViews)
        targets = pane.display_state.targets(pane.last_tick, views.selected_root,
                                             pane.query_one(SessionTable).current)
        if not targets:
            pane.notify("No session selected.", severity="warning")
            return
        request = SignalRequest.of(action, targets, pane.own_pids)
        for why in request.refused:
            pane.notify(f"Refused: {why}.", severity="error")
        if not request.targets:
            return
        confirmation = request.confirmation(root=pane.view == "tree", production=pane.profile.production)
        pane.app.push_screen(confirmation, lambda yes: views.send_signals(request, pane.own_pids) if yes else None)

    def signals_finished(self, event: ActivityViews.SignalsFinished) -> None:
        """Every signal sent: the marks cleared, the sessions read again."""
        if event.error:
            self.pane.notify(f"Activity: {event.error}", severity="error")
            return
        self.pane.display_state.marked.clear()
        self.pane.action_refresh_now()
