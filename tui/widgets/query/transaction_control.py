"""The Query pane's transaction: its state, manual-commit mode, and commit / roll
back / stay when the user asks or is about to leave with it open."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.message import Message
from textual.widget import Widget

from tui.profiles import Profile
from tui.services.query.commit_mode import manual_commit, remember_manual_commit
from tui.services.query.guard import Guard, Question
from tui.services.query.runner import QueryError
from tui.services.query.session_keeper import SessionKeeper
from tui.services.query.transaction import TransactionState, commit_question
from tui.widgets.query.host import QueryHost
from tui.widgets.query.transaction_prompt import COMMIT, ROLLBACK, TransactionPrompt

RUNNING = "A statement is running: esc cancels it first."


class TransactionControl(Widget):
    """Shows nothing itself: keeps the open transaction's state from what the runner
    reports, ends it in a worker, says how it ended in the pane's messages, and posts
    `Changed` for the status line and header."""

    DEFAULT_CSS = "TransactionControl { display: none; }"

    class Changed(Message):
        """The transaction's state or the mode changed (for the pane)."""

        def __init__(self, state: TransactionState) -> None:
            super().__init__()
            self.state = state

    class Ended(Message, bubble=False):
        """A COMMIT or ROLLBACK came back (posted from the worker)."""

        def __init__(self, commit: bool, error: QueryError | None, lost: str | None, status: str) -> None:
            super().__init__()
            self.commit, self.error, self.lost, self.status = commit, error, lost, status

    class Reported(Message):
        """A line for the pane's messages from a worker thread; shown by the control."""

        def __init__(self, text: str, style: str) -> None:
            super().__init__()
            self.text, self.style = text, style

    def __init__(self, sessions: SessionKeeper, profile: Profile, host: QueryHost) -> None:
        super().__init__()
        self.host = host
        self.sessions = sessions
        self.profile = profile
        self.state = TransactionState(manual=manual_commit(profile.name, profile.production))
        self.ending = False  # a COMMIT or ROLLBACK is on its way
        self._then: Callable[[], None] | None = None  # what to do once it ended well

    def observe(self, outcome: object, status: str) -> None:
        """After a statement (or when the session went): the session's status now."""
        self.state.observe(outcome, status)  # type: ignore[arg-type]
        self.post_message(self.Changed(self.state))

    def question(self, guard: Guard, leaving: str = "", typed_commit: bool = False) -> Question:
        return commit_question(self.state, guard, leaving, typed_commit)

    def ready(self, busy: bool) -> bool:
        """Whether commit / roll back can go now (else the user is told why not)."""
        if busy:
            self.app.notify(RUNNING, severity="warning")
            return False
        if not self.state.open:
            self.app.notify("No open transaction.")
            return False
        return True

    def leave(self, guard: Guard, leaving: str, then: Callable[[], None], busy: bool) -> None:
        """`then` at once with no transaction open; else commit / roll back / stay first."""
        if not self.state.open:
            then()
        elif busy:
            self.app.notify(f"{RUNNING} (it runs in the open transaction)", severity="warning")
        else:
            self.settle(guard, leaving, then)

    # -- the pane's keys and events ------------------------------------------------------------
    def commit(self) -> None:
        """f10: commit (after the question on production)."""
        if self.ready(self.host.busy()):
            self.settle(self.host.guard())

    def rollback(self) -> None:
        """f12: roll back now."""
        if self.ready(self.host.busy()):
            self.end(commit=False)

    def lost_with_connection(self) -> None:
        """The session died with the transaction open while the link was down."""
        mode = "manual commit" if self.state.manual else "autocommit"
        self.host.show_message("The open transaction was lost with the connection (the server rolled "
                               f"it back); this runs on a new connection, in {mode}.", "bold red")
        self.observe(None, "")

    def session_gone(self) -> None:
        """The session went (lost, or closed after a failure): the server rolled back."""
        if self.state.open:
            self.host.show_message("The server rolled back the open transaction "
                                   f"({self.state.commit_summary()}): nothing of it was committed.", "bold red")
        self.observe(None, "")

    @on(Reported)
    def _reported(self, message: Reported) -> None:
        self.host.show_message(message.text, message.style)

    # -- mode ----------------------------------------------------------------------------------
    def toggle_mode(self, guard: Guard, busy: bool) -> None:
        """Manual commit on or off; leaving manual mode with a transaction open asks first."""
        if busy:
            self.app.notify(RUNNING, severity="warning")
        elif self.state.manual and self.state.open:
            self.settle(guard, "Autocommit", self._flip_mode)
        else:
            self._flip_mode()

    def _flip_mode(self) -> None:
        self.state.manual = not self.state.manual
        self._remember(self.state.manual)
        mode = "manual commit: f10 commits, f12 rolls back" if self.state.manual else "autocommit"
        self.host.show_message(f"Now in {mode} (remembered for {self.profile.name}).", "dim")
        self.post_message(self.Changed(self.state))

    @work(thread=True, group="query-commit-mode", exit_on_error=False)
    def _remember(self, manual: bool) -> None:
        try:
            remember_manual_commit(self.profile.name, manual)
        except OSError as exc:
            self.post_message(self.Reported(f"The commit mode could not be saved: {exc}", "yellow"))

    # -- commit, roll back, stay -------------------------------------------------------------------
    def settle(self, guard: Guard, leaving: str = "", then: Callable[[], None] | None = None) -> None:
        """Ask commit / roll back / stay; `then` runs once the transaction ended well."""
        if self.ending or any(isinstance(screen, TransactionPrompt) for screen in self.app.screen_stack):
            return  # already asking (ctrl+q pressed again over the prompt)

        def answered(answer: str | None) -> None:
            if answer in (COMMIT, ROLLBACK):
                self.end(answer == COMMIT, then)

        self.app.push_screen(TransactionPrompt(self.question(guard, leaving)), answered)

    def end(self, commit: bool, then: Callable[[], None] | None = None) -> None:
        """COMMIT or ROLLBACK now, in a worker; `then` after it ended well."""
        if self.ending:
            return
        self.ending, self._then = True, then
        self._end(commit)

    @work(thread=True, group="query-commit", exclusive=True, exit_on_error=False)
    def _end(self, commit: bool) -> None:
        session = self.sessions.session
        error: QueryError | None = None
        lost: str | None = None
        try:
            if session is not None:
                error = session.end_transaction(commit)
        except Exception as exc:  # noqa: BLE001 - the connection went: the server rolled back
            lost = str(exc).strip() or type(exc).__name__
            if session is not None:
                self.sessions.drop(session)
        status = self.sessions.transaction_status() if lost is None else ""
        self.post_message(self.Ended(commit, error, lost, status))

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        self.ending = False
        summary = self.state.commit_summary()
        then, self._then = self._then, None
        if message.lost is not None:
            self.host.show_message(f"The connection was lost: the server rolled the transaction back ({summary}). "
                                   f"{message.lost}", "bold red")
        elif message.error is not None:
            self.host.show_message(f"{message.error.message}: nothing was committed.", "bold red")
        else:
            done = "Committed" if message.commit else "Rolled back"
            self.host.show_message(f"{done}: {summary}.", "green" if message.commit else "yellow")
        self.observe(None, message.status)
        if then is not None and message.error is None and not (message.commit and message.lost):
            then()
