"""The Query tab: an SQL editor over a streaming, virtualised result grid."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import TextArea
from textual.worker import get_current_worker

from tui.db.base import Database
from tui.db.link import is_connection_lost
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.query.classify import first_keyword
from tui.services.query.completion import CompletionCatalog
from tui.services.query.explain import PlanNode, explain_failure, explain_statement
from tui.services.query.export import ExportCancelled, export
from tui.services.query.guard import Guard, Question, acting_functions, acting_question, run_guarded
from tui.services.query.history import HistoryStore
from tui.services.query.results import DEFAULT_ROW_CAP, ResultSet
from tui.services.query.runner import Outcome
from tui.services.query.session_keeper import SessionKeeper
from tui.services.query.splitter import Statement
from tui.services.query.summary import outcome_summary, run_summary
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.query.completion_popup import CompletionPopup
from tui.widgets.query.editor_tabs import EditorTabs
from tui.widgets.query.explain_dialog import ExplainScreen
from tui.widgets.query.export_dialog import ExportScreen
from tui.widgets.query.history_dialog import HistoryScreen
from tui.widgets.query.result_grid import ResultGrid
from tui.widgets.query.results_view import ResultsView

__all__ = ["QueryPane", "outcome_summary", "run_summary"]

STATUS_INTERVAL = 0.1  # seconds between status-line updates while rows stream in


class QueryPane(Widget):
    """Runs what is typed on a connection of its own (see runner.open_session)."""

    timings = True  # durations in the status line; snapshot tests switch them off

    # Priority: the editor (TextArea) has its own f5-f7; ours win while the pane
    # has focus. Every action has a key that survives tmux/screen (no ctrl+enter needed).
    BINDINGS = [
        Binding("ctrl+j,f5,ctrl+enter", "run_current", "Run", priority=True, id="query.run_current"),
        Binding("ctrl+g,f9", "run_all", "Run all", priority=True, id="query.run_all"),
        Binding("escape,ctrl+c", "cancel", "Cancel", priority=True, show=False, id="query.cancel"),
        Binding("f6", "explain(False)", "Explain", priority=True, id="query.explain"),
        Binding("f7", "explain(True)", "Analyze", priority=True, id="query.analyze"),
        Binding("f2", "toggle_focus", "Editor/results", id="query.toggle_focus"),
        Binding("escape", "leave_editor", "Leave editor", show=False, id="query.leave_editor"),
        Binding("ctrl+r", "history", "History", id="query.history"),
        Binding("f8", "export", "Export", id="query.export"),
        Binding("ctrl+f", "format", "Format", id="query.format"),
        Binding("ctrl+space,ctrl+@", "complete", "Complete", priority=True, id="query.complete"),
        Binding("ctrl+t", "new_tab", "New tab", id="query.new_tab"),
        Binding("f3", "next_tab", "Next tab", id="query.next_tab"),
        # The completion popup's keys: the editor keeps the focus while it shows.
        Binding("down", "completion_move(1)", "Next", show=False, priority=True, id="query.completion_next"),
        Binding("up", "completion_move(-1)", "Previous", show=False, priority=True, id="query.completion_previous"),
        Binding("enter", "completion_accept", "Accept", show=False, priority=True, id="query.completion_accept"),
    ]

    # -- messages from the workers ------------------------------------------------------------
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
        def __init__(self, index: int, outcome: Outcome) -> None:
            super().__init__()
            self.index, self.outcome = index, outcome

    class QuestionAsked(Message):
        """The guard wants a yes or no; the worker waits for `reply`."""

        def __init__(self, question: Question, reply: Callable[[bool | None], None]) -> None:
            super().__init__()
            self.question, self.reply = question, reply

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

    class ExplainDone(Message):
        """The plan, or why there is none."""

        def __init__(self, plan: PlanNode | None, error: str | None = None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    class ExportProgress(Message):
        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    class ExportDone(Message):
        """The rows written to `path`, or the error (ExportCancelled when esc stopped it)."""

        def __init__(self, path: Path, started: float, rows: int = 0, error: Exception | None = None) -> None:
            super().__init__()
            self.path, self.started, self.rows, self.error = path, started, rows, error

    def __init__(self, database: Database, profile: Profile, row_cap: int = DEFAULT_ROW_CAP) -> None:
        super().__init__(id="query-pane")
        self.database = database
        self.profile = profile
        self.sessions = SessionKeeper(database, row_cap)
        self.history = HistoryStore(profile.name)
        self.editor_tabs = EditorTabs(profile.name, id="query-editor")
        self.results = ResultsView(id="query-results")
        self.completion = CompletionPopup(database, id="completion")
        self.outcomes: list[Outcome] = []
        self.running = False
        self._stop_requested = threading.Event()  # set by cancel: the whole run stops
        self._asking = False  # the worker waits for a confirmation
        self._explaining = False  # an EXPLAIN uses the session's connection
        self._total, self._current_index = 1, 0  # statements in the run, the one running
        self._current_started = 0.0
        self._status_timer: Timer | None = None
        self._export_cancel: threading.Event | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="query-body"):
            yield self.editor_tabs
            yield self.results
        yield self.completion

    def on_mount(self) -> None:
        self._set_status("ready")
        self.completion.load_catalog()

    def on_unmount(self) -> None:
        self.sessions.close()

    @property
    def editor(self) -> TextArea:
        return self.editor_tabs.editor

    @property
    def grid(self) -> ResultGrid:
        return self.results.grid

    @property
    def catalog(self) -> CompletionCatalog | None:
        return self.completion.catalog

    @property
    def buffers(self) -> list[str]:
        return self.editor_tabs.buffers

    @property
    def active_buffer(self) -> int:
        return self.editor_tabs.active_buffer

    # -- status ---------------------------------------------------------------------
    def _set_status(self, text: str) -> None:
        self.results.set_status(text, "" if self.running else self.sessions.transaction_status())

    @on(EditorTabs.AutosaveRedacted)
    def _autosave_redacted(self) -> None:
        self._set_status("autosaved with a password redacted")

    def _message(self, text: str, style: str = "") -> None:
        self.results.message(text, style)

    # -- completion ---------------------------------------------------------------------
    def _completion_open(self) -> bool:
        return self.completion.shown and self.editor.has_focus

    def _after_typed_keys(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback` once the editor has handled the keys typed before this one.

        The App hands keys over one at a time (tui.key_order), so the characters
        typed just before a priority key (one burst over SSH) are in the text by
        now; queuing on the editor still puts the callback behind anything the
        editor has yet to process, and before the keys typed after this one.
        """
        self.editor.call_later(callback, *args)

    def action_complete(self) -> None:
        self._after_typed_keys(self._complete)

    def _complete(self) -> None:
        if self.catalog is None:
            self.app.notify("Completion is still loading the catalog.")
            return
        self._refresh_completion(open_if_closed=True)

    def _refresh_completion(self, open_if_closed: bool = False) -> None:
        if self.completion.shown or open_if_closed:
            x, y = self.editor.cursor_screen_offset
            self.completion.show_for(*self.editor_tabs.text_and_cursor(),
                                     at=(max(0, x - self.region.x), max(0, y - self.region.y + 1)))

    def action_completion_move(self, step: int) -> None:
        self.completion.move(step)

    def action_completion_accept(self) -> None:
        self.completion.pick()

    @on(CompletionPopup.Picked)
    def _completion_picked(self, message: CompletionPopup.Picked) -> None:
        self.editor_tabs.insert_completion(message.candidate, message.start)

    @on(TextArea.SelectionChanged, "#sql-editor")
    def _cursor_moved(self) -> None:
        if self.completion.shown:
            self.call_after_refresh(self._refresh_completion)

    # -- running ----------------------------------------------------------------------
    def action_run_current(self) -> None:
        self._after_typed_keys(lambda: self._run(self.editor_tabs.selected_or_current()))

    def action_run_all(self) -> None:
        self._after_typed_keys(lambda: self._run(self.editor_tabs.all_statements()))

    def _busy(self) -> bool:
        """A statement or an EXPLAIN is using the session's connection."""
        return self.running or self._explaining

    def _run(self, statements: list[Statement]) -> None:
        if self._busy():
            self.app.notify("A statement is running: esc or ctrl+c cancels it.", severity="warning")
            return
        if not statements:
            self.app.notify("Nothing to run.")
            return
        # No confirmation here: on production each statement is judged by the
        # server in a read-only trial, in the worker (tui/services/query/guard.py).
        self.running = True
        self._stop_requested = threading.Event()
        self._total, self._current_index = len(statements), 0
        self.outcomes = []
        self.results.begin(len(statements))
        self._current_started = time.perf_counter()
        self._set_status(f"running 1 of {len(statements)} …")
        self._status_timer = self.set_interval(STATUS_INTERVAL, self._tick)
        self._run_statements(statements, self._stop_requested)

    def link_restored(self) -> None:
        """The workspace reconnected: check the editor's session before the next run
        (it may have died, idle, with the link), and reload completion if it failed."""
        self.sessions.check_on_next_use()
        if self.catalog is None:
            self.completion.load_catalog()

    def _guard(self) -> Guard:
        return Guard(production=self.profile.production, profile_name=self.profile.name,
                     ask=self._ask_from_thread,
                     read_only_unenforced=self.profile.read_only and not self.database.info.read_only)

    def _ask_from_thread(self, question: Question) -> bool:
        """Show a confirmation from the worker and wait for the answer (no if the app goes)."""
        answered = threading.Event()
        answers: list[bool] = []

        def reply(yes: bool | None) -> None:
            answers.append(bool(yes))
            answered.set()

        worker = get_current_worker()
        try:
            self.post_message(self.QuestionAsked(question, reply))
            while not answered.wait(0.1):
                if worker.is_cancelled or not self.app.is_running:
                    return False
        except RuntimeError:  # the app is shutting down
            return False
        return answers[0]

    @on(QuestionAsked)
    def _show_question(self, message: QuestionAsked) -> None:
        # Built and pushed on the UI thread; the worker waits for the reply.
        def answered(yes: bool | None) -> None:
            self._asking = False
            message.reply(yes)

        question = message.question
        self._asking = True
        self.app.push_screen(ConfirmScreen(question.title, question.body, question.require_text), answered)

    @work(thread=True, group="query", exclusive=True, exit_on_error=False)
    def _run_statements(self, statements: list[Statement], stop: threading.Event) -> None:
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
            guard = self._guard()
            for index, statement in enumerate(statements):
                if stop.is_set():
                    break  # cancelled between two statements: the rest never starts
                self.post_message(self.StatementStarted(index, len(statements)))
                outcome = run_guarded(session, statement, guard, on_rows=rows_arrived)
                if not outcome.declined:
                    self.history.add(statement.text, outcome.elapsed,
                                     len(outcome.result) if outcome.result is not None else outcome.rowcount,
                                     outcome.ok, outcome.error.message if outcome.error else None)
                self.post_message(self.StatementDone(index, outcome))
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

    @on(TransactionLost)
    def _transaction_lost(self) -> None:
        self._message("The open transaction was lost with the connection (the server rolled "
                      "it back); this runs on a new connection, in autocommit.", "bold red")

    @on(SessionLost)
    def _session_lost(self, message: SessionLost) -> None:
        self._message("The connection was lost; the next run reconnects.", "bold red")
        self.post_message(ConnectionLost(message.reason))

    @on(RowsArrived)
    def _show_streaming(self, message: RowsArrived) -> None:
        self.results.show_streaming(message.result)

    @on(StatementStarted)
    def _statement_started(self, message: StatementStarted) -> None:
        self._current_started = time.perf_counter()
        self._current_index, self._total = message.index, message.total

    def _tick(self) -> None:
        if not self.running:
            return
        elapsed = time.perf_counter() - self._current_started
        rows = len(self.grid.result) if self.grid.result is not None else 0
        self.grid.rows_changed()
        total = self._total
        which = f" {self._current_index + 1} of {total}" if total > 1 else ""
        if self._asking:
            self._set_status(f"statement{which} waiting for your answer")
            return
        seconds = f" · {elapsed:.1f} s" if self.timings else ""
        self._set_status(f"running{which} · {rows:,} rows so far{seconds} · esc cancels the run")

    @on(StatementDone)
    async def _statement_done(self, message: StatementDone) -> None:
        outcome, error = message.outcome, message.outcome.error
        self.outcomes.append(outcome)
        error_at = None
        if not outcome.connection_lost and error is not None and error.position is not None:
            error_at = self.editor_tabs.select_character(error.position)  # the cursor on the culprit
        await self.results.show_outcome(message.index, outcome, self.timings, error_at, self.database.info.in_recovery)

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        if any(first_keyword(o.statement) in ("CREATE", "ALTER", "DROP") for o in self.outcomes if o.ok):
            self.completion.load_catalog()  # new names to complete
        self.running = False
        if self._status_timer is not None:
            self._status_timer.stop()
        error = message.error
        if error is not None:
            self._message(f"Lost the connection or failed to run: {error}", "bold red")
            if is_connection_lost(error):
                self.post_message(ConnectionLost(str(error)))
            self.sessions.close()  # a fresh session next time
        summary = run_summary(self.outcomes, self._total, self.timings) if self.outcomes else "stopped"
        if self._total > 1 and "stopped" in summary:
            self._message(summary.rpartition(" · ")[2].capitalize() + ".", "yellow")
        redacted = " · saved to history with a password redacted" if self.history.take_redacted() else ""
        self._set_status(summary + redacted)

    def action_cancel(self) -> None:
        if self._completion_open():
            self.completion.hide()
            return
        if self._export_cancel is not None:
            self._export_cancel.set()
        if self.running:
            self._stop_requested.set()  # the whole run stops, not just this statement
            if self.sessions.session is not None:
                self._message("Cancelling …", "yellow")
                self.sessions.cancel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("completion_"):
            return self._completion_open()
        if action == "cancel":
            # Only while something runs; otherwise esc/ctrl+c keep their usual meaning.
            return self.running or self._export_cancel is not None or self._completion_open()
        return True

    # -- explain, history, export, format ---------------------------------------------------
    def action_explain(self, analyze: bool) -> None:
        self._after_typed_keys(self._explain, analyze)

    def _explain(self, analyze: bool) -> None:
        statements = self.editor_tabs.selected_or_current()
        if not statements or self._busy():
            return
        statement = statements[0]
        if self.database.info.kind != "postgresql":
            self.app.notify("EXPLAIN trees are for PostgreSQL.", severity="warning")
            return
        acting = acting_functions(statement)
        if analyze and acting:
            # ANALYZE runs the statement, and a rollback does not undo what these do.
            question = acting_question(statement, acting, self._guard())
            self.app.push_screen(ConfirmScreen(question.title, question.body, question.require_text),
                                 lambda yes: self._start_explain(statement, analyze) if yes else None)
            return
        self._start_explain(statement, analyze)

    def _start_explain(self, statement: Statement, analyze: bool) -> None:
        self._explaining = True
        self._explain_statement(statement, analyze, read_only=analyze and self.profile.production)
        self._message(f"EXPLAIN{' ANALYZE (rolled back)' if analyze else ''} …", "dim")

    @work(thread=True, group="explain", exclusive=True, exit_on_error=False)
    def _explain_statement(self, statement: Statement, analyze: bool, read_only: bool) -> None:
        try:
            session, lost_transaction = self.sessions.ensure()
            if lost_transaction:
                self.post_message(self.TransactionLost())
            plan = explain_statement(session, statement, analyze, read_only)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(self.ExplainDone(None, explain_failure(exc, read_only)))
        else:
            self.post_message(self.ExplainDone(plan))

    @on(ExplainDone)
    def _explain_done(self, message: ExplainDone) -> None:
        self._explaining = False
        if message.plan is not None:
            self.app.push_screen(ExplainScreen("Plan", message.plan))
        else:
            self._message(f"EXPLAIN failed: {message.error}", "bold red")

    def action_history(self) -> None:
        def chosen(sql: str | None) -> None:
            if sql:
                self.editor_tabs.load_statement(sql.rstrip().rstrip(";") + ";")
                self.editor.focus()

        self.app.push_screen(HistoryScreen(self.history), chosen)

    def action_export(self) -> None:
        index = self._shown_outcome_index()
        if index is None:
            self.app.notify("Run a statement that returns rows first.", severity="warning")
            return
        statement = self.outcomes[index].statement

        def chosen(choice: tuple[str, Path] | None) -> None:
            if choice:
                self._export_cancel = threading.Event()
                self._export(statement, *choice, self._export_cancel)

        self.app.push_screen(ExportScreen(), chosen)

    def _shown_outcome_index(self) -> int | None:
        for index, outcome in enumerate(self.outcomes):
            if outcome.result is not None and outcome.result is self.grid.result:
                return index
        return None

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, statement: Statement, fmt: str, path: Path, cancel: threading.Event) -> None:
        started = time.perf_counter()
        try:
            rows = export(self.database, statement, fmt, path,
                          lambda rows: self.post_message(self.ExportProgress(rows)), cancel)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(self.ExportDone(path, started, error=exc))
        else:
            self.post_message(self.ExportDone(path, started, rows=rows))

    @on(ExportProgress)
    def _export_progress(self, message: ExportProgress) -> None:
        self._set_status(f"exporting · {message.rows:,} rows · esc cancels")

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        self._export_cancel = None
        if message.error is None:
            seconds = time.perf_counter() - message.started
            self._set_status(f"exported {message.rows:,} rows to {message.path} in {seconds:.1f} s")
        elif isinstance(message.error, ExportCancelled):
            self._set_status("export cancelled; the partial file was removed")
        else:
            self._set_status("export failed")
            self._message(f"Export failed: {message.error}", "bold red")

    def action_format(self) -> None:
        self.editor_tabs.format_sql()

    # -- editor tabs and focus ----------------------------------------------------------------
    def action_new_tab(self) -> None:
        self.editor_tabs.new_tab()

    def action_next_tab(self) -> None:
        self.editor_tabs.next_tab()

    def focus_default(self) -> None:
        """What gets the keys when the Query tab is opened: the editor."""
        self.editor.focus()

    def action_leave_editor(self) -> None:
        # esc (when nothing runs) takes focus out of the editor, so 1-4 switch panes again.
        if self.editor.has_focus:
            self.grid.focus()

    def action_toggle_focus(self) -> None:
        if self.editor.has_focus:
            self.grid.focus()
        else:
            self.editor.focus()
