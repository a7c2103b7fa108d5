"""The Activity pane's tables, one shown at a time: the sessions, the blocking
tree and the sub-views (Locks, Statements, Tables, Indexes); with the work done on
the action connection for them: a sub-view's rows, a session's detail, and the
cancel or terminate of sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import ContentSwitcher
from textual.worker import get_current_worker

from tui.formatting import first_line
from tui.services.activity.actions import ActionConnection, ActionResult, signal_backend
from tui.services.activity.blocking import BlockNode, blocking_edges
from tui.services.activity.features import Features
from tui.services.activity.sessions import Session
from tui.services.activity.views import SUB_VIEWS, SessionDetail, ViewRows, session_detail, sub_view
from tui.widgets.activity.cells import Thresholds
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.signals import SignalRequest
from tui.widgets.activity.tree_table import BlockingTreeTable
from tui.widgets.activity.view_table import ViewTable


class ActivityViews(ContentSwitcher):
    """Sessions, tree and sub-views by id. Told by the pane to load a sub-view or a
    detail, or to signal sessions, it works in workers on the action connection and
    posts what came of it (ViewLoaded, DetailLoaded, SignalSent, SignalsFinished)."""

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

    def __init__(self, actions: ActionConnection, **kwargs: Any) -> None:
        super().__init__(initial="sessions", **kwargs)
        self.actions = actions

    def compose(self) -> ComposeResult:
        yield SessionTable(id="sessions")
        yield BlockingTreeTable(id="tree")
        for view in SUB_VIEWS:
            yield ViewTable(id=view)

    def switch_to(self, view: str) -> None:
        """Show `view` and give it the keys."""
        self.current = view
        self.query_one(f"#{view}").focus()

    def show_sessions(self, sessions: list[Session], marked: set[str], roots: set[int], limits: Thresholds,
                      tree: list[BlockNode]) -> None:
        """One refresh's sessions (filtered and sorted) and blocking tree."""
        self.query_one(SessionTable).show(sessions, marked, roots, limits)
        self.query_one(BlockingTreeTable).show(tree)

    @property
    def selected(self) -> Session | None:
        """The session under the cursor of the sessions table or the tree, whichever is shown."""
        if self.current == "sessions":
            return self.query_one(SessionTable).current
        if self.current == "tree":
            return self.query_one(BlockingTreeTable).current
        return None

    @property
    def selected_root(self) -> int | None:
        """The root blocker of the tree's row under the cursor."""
        return self.query_one(BlockingTreeTable).current_root

    def show_rows(self, view: str, rows: ViewRows) -> None:
        self.query_one(f"#{view}", ViewTable).load(rows)

    def load_view(self, view: str, version_num: int, features: Features, statements_order: str) -> None:
        """Fetch a sub-view's rows on the action connection; ViewLoaded follows."""
        self._fetch_view(view, lambda c: sub_view(c, view, version_num, features, statements_order))

    @work(thread=True, group="activity-view", exclusive=True, exit_on_error=False)
    def _fetch_view(self, view: str, load: Callable[[psycopg.Connection[Any]], ViewRows]) -> None:
        try:
            message = self.ViewLoaded(view, self.actions.run(load))
        except Exception as exc:
            message = self.ViewLoaded(view, None, first_line(exc))
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.post_message(message)

    def load_detail(self, session: Session, sessions: list[Session], version_num: int, features: Features) -> None:
        """Fetch one session's detail on the action connection; DetailLoaded follows.
        `sessions` are the last refresh's, which tell who waits for this one."""
        waiters = sorted(blocking_edges(sessions).get(session.pid, ()))
        self._fetch_detail(lambda c: session_detail(c, session, version_num, features), list(session.blocked_by),
                           waiters)

    @work(thread=True, group="activity-detail", exclusive=True, exit_on_error=False)
    def _fetch_detail(self, load: Callable[[psycopg.Connection[Any]], SessionDetail], blockers: list[int],
                      waiters: list[int]) -> None:
        try:
            message = self.DetailLoaded(self.actions.run(load), blockers, waiters)
        except Exception as exc:
            message = self.DetailLoaded(None, blockers, waiters, first_line(exc))
        if not get_current_worker().is_cancelled:  # a newer enter replaced this one
            self.post_message(message)

    @work(thread=True, group="activity-action", exit_on_error=False)
    def send_signals(self, request: SignalRequest, own: frozenset[int]) -> None:
        """Cancel or terminate the request's sessions, one SignalSent each, then SignalsFinished."""
        try:
            for s in request.targets:
                result = self.actions.run(lambda c, s=s: signal_backend(
                    c, request.action, s.pid, s.backend_start, own | {c.info.backend_pid}))
                self.post_message(self.SignalSent(result))
        except Exception as exc:
            self.post_message(self.SignalsFinished(first_line(exc)))
        else:
            self.post_message(self.SignalsFinished())
