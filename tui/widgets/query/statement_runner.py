"""Runs the editor's statements on the Query pane's session, in a worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from textual import work
from textual.message import Message
from textual.widget import Widget

from tui.services.query.guard import Guard
from tui.services.query.history import HistoryStore
from tui.services.query.results import ResultSet
from tui.services.query.runner import Outcome
from tui.services.query.session_keeper import SessionKeeper
from tui.services.query.splitter import Statement
from tui.services.query.transaction import local_settings, run_in_mode
from tui.widgets.transfer.copy_file_dialog import ask_copy_file


class StatementRunner(Widget):
    """Shows nothing itself: runs statements one after the other under the profile's
    guard, records them in the history, and posts what happens for the pane to show."""

    DEFAULT_CSS = "StatementRunner { display: none; }"

    class StatementStarted(Message):
        def __init__(self, index: int, total: int) -> None:
            super().__init__()
            self.index, self.total = index, total

    class RowsArrived(Message):
        """The first rows of a statement's result: show them while the rest streams in."""

        def __init__(self, result: ResultSet) -> None:
            super().__init__()
            self.result = result

    class StatementDone(Message):
        """A statement ended; `status` is the session's transaction state right after it."""

        def __init__(self, index: int, outcome: Outcome, status: str = "") -> None:
            super().__init__()
            self.index, self.outcome, self.status = index, outcome, status

    class TransactionLost(Message):
        """The session died with a transaction open while the link was down."""

    class SessionLost(Message):
        """The connection went during the run: the next run reconnects."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class RunFinished(Message):
        """The run is over: every statement ran, one stopped it, or `error` broke it off."""

        def __init__(self, error: Exception | None = None) -> None:
            super().__init__()
            self.error = error

    def __init__(self, sessions: SessionKeeper, history: HistoryStore) -> None:
        super().__init__()
        self.sessions = sessions
        self.history = history
        self._stop_requested = threading.Event()  # set by stop: the whole run stops

    def run(self, statements: list[Statement], guard: Guard, manual: bool = False,
            confirm_commit: Callable[[], bool] | None = None) -> None:
        """Start a run (in manual-commit mode: inside a transaction, a typed COMMIT sent
        only after `confirm_commit`, which blocks); `RunFinished` says when it is over."""
        self._stop_requested = threading.Event()
        if guard.client_file is None:  # COPY … FROM STDIN / TO STDOUT: ask for the file (tui/widgets/transfer/)
            guard = replace(guard, client_file=lambda direction: ask_copy_file(self.app, direction))
        self._run_statements(statements, guard, self._stop_requested, manual, confirm_commit)

    def stop(self) -> None:
        """Stop the whole run, not just this statement: the rest never starts."""
        self._stop_requested.set()

    @work(thread=True, group="query", exclusive=True, exit_on_error=False)
    def check_session(self) -> None:
        """After a reconnect with a transaction open: `TransactionLost` if the session died."""
        try:
            _session, lost_transaction = self.sessions.ensure()
        except Exception:  # noqa: BLE001 - no connection yet: the next run says so
            return
        if lost_transaction:
            self.post_message(self.TransactionLost())

    @work(thread=True, group="query", exclusive=True, exit_on_error=False)
    def _run_statements(self, statements: list[Statement], guard: Guard, stop: threading.Event,
                        manual: bool = False, confirm_commit: Callable[[], bool] | None = None) -> None:
        """Run the statements one after the other until one does not succeed or esc stops the run."""
        streaming: ResultSet | None = None

        def rows_arrived(result: ResultSet) -> None:
            nonlocal streaming
            if result is not streaming:  # the first batch is shown at once
                streaming = result
                self.post_message(self.RowsArrived(result))

        try:
            session, lost_transaction = self.sessions.ensure()
            if lost_transaction:
                self.post_message(self.TransactionLost())
            if hasattr(session, "local_settings"):
                session.local_settings = local_settings(self.sessions.database)
            for index, statement in enumerate(statements):
                if stop.is_set():
                    break  # cancelled between two statements: the rest never starts
                self.post_message(self.StatementStarted(index, len(statements)))
                outcome = run_in_mode(session, statement, guard, manual, rows_arrived, confirm_commit)
                if not outcome.declined:
                    self.history.add(statement.text, outcome.elapsed,
                                     len(outcome.result) if outcome.result is not None else outcome.rowcount,
                                     outcome.ok, outcome.error.message if outcome.error else None)
                self.post_message(self.StatementDone(index, outcome, session.transaction_status()))
                if session.transaction_status() == "connection lost":
                    # Never a silent wrong result: say so, and reconnect on the next run.
                    self.sessions.drop(session)
                    self.post_message(self.SessionLost(
                        outcome.error.message if outcome.error else "the connection was closed"))
                    break
                if not outcome.ok:
                    break
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(self.RunFinished(exc))
        else:
            self.post_message(self.RunFinished())
