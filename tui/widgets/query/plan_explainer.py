"""EXPLAIN (ANALYZE) of the statement at the cursor, on the Query pane's session."""

from __future__ import annotations

from textual import on, work
from textual.message import Message
from textual.widget import Widget

from tui.db.base import Database
from tui.services.query.explain import PlanNode, explain_failure, explain_statement
from tui.services.query.guard import Guard, acting_functions, acting_question
from tui.services.query.session_keeper import SessionKeeper
from tui.services.query.splitter import Statement
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.query.explain_dialog import ExplainScreen
from tui.widgets.query.host import QueryHost


class PlanExplainer(Widget):
    """Shows nothing itself: runs EXPLAIN in a worker, opens the plan tree, says under
    the pane's results that it started or why it failed, and posts up a lost transaction."""

    DEFAULT_CSS = "PlanExplainer { display: none; }"

    class TransactionLost(Message):
        """The session died with a transaction open while the link was down."""

    class Done(Message):
        """The plan, or why there is none (from the worker)."""

        bubble = False  # handled here

        def __init__(self, plan: PlanNode | None, error: str | None = None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    def __init__(self, database: Database, sessions: SessionKeeper, production: bool, host: QueryHost) -> None:
        super().__init__()
        self.host = host
        self.database = database
        self.sessions = sessions
        self.production = production
        self.busy = False  # an EXPLAIN uses the session's connection

    def explain_at_cursor(self, analyze: bool) -> None:
        """f6/f7: explain the editor's selected statement (or the one at the cursor)."""
        statements = [s for s in self.host.editor_tabs.selected_or_current() if s.text]  # not `\dt` alone
        if statements and not self.host.busy():
            self.explain(statements[0], analyze, self.host.guard())

    def explain(self, statement: Statement, analyze: bool, guard: Guard) -> None:
        """Explain `statement`; ANALYZE of a statement calling acting functions is confirmed first."""
        if self.database.info.kind != "postgresql":
            self.app.notify("EXPLAIN trees are for PostgreSQL.", severity="warning")
            return
        acting = acting_functions(statement)
        if analyze and acting:
            # ANALYZE runs the statement, and a rollback does not undo what these do.
            question = acting_question(statement, acting, guard)
            self.app.push_screen(ConfirmScreen(question.title, question.body, question.require_text),
                                 lambda yes: self._start(statement, analyze) if yes else None)
            return
        self._start(statement, analyze)

    def _start(self, statement: Statement, analyze: bool) -> None:
        self.busy = True
        self.host.show_message(f"EXPLAIN{' ANALYZE (rolled back)' if analyze else ''} …", "dim")
        self._explain_statement(statement, analyze, read_only=analyze and self.production)

    @work(thread=True, group="explain", exclusive=True, exit_on_error=False)
    def _explain_statement(self, statement: Statement, analyze: bool, read_only: bool) -> None:
        try:
            session, lost_transaction = self.sessions.ensure()
            if lost_transaction:
                self.post_message(self.TransactionLost())
            plan = explain_statement(session, statement, analyze, read_only)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(self.Done(None, explain_failure(exc, read_only)))
        else:
            self.post_message(self.Done(plan))

    @on(Done)
    def _explained(self, message: Done) -> None:
        self.busy = False
        if message.plan is not None:
            self.app.push_screen(ExplainScreen("Plan", message.plan))
        else:
            self.host.show_message(f"EXPLAIN failed: {message.error}", "bold red")
