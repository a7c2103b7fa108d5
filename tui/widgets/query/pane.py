"""The Query tab: an SQL editor over a streaming, virtualised result grid."""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import TextArea

from tui.db.base import Database
from tui.db.link import is_connection_lost
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.query.classify import first_keyword
from tui.services.query.completion import CompletionCatalog
from tui.services.query.guard import Guard
from tui.services.query.history import HistoryStore
from tui.services.query.psql_meta import plan_meta
from tui.services.query.results import DEFAULT_ROW_CAP
from tui.services.query.runner import Outcome
from tui.services.query.session_keeper import SessionKeeper
from tui.services.query.splitter import Statement
from tui.services.query.summary import outcome_summary, run_summary
from tui.services.query.transaction import dry_run_text
from tui.widgets.query.completion_popup import CompletionPopup
from tui.widgets.query.editor_tabs import EditorTabs
from tui.widgets.query.guard_prompt import GuardPrompt
from tui.widgets.query.history_dialog import HistoryScreen
from tui.widgets.query.plan_explainer import PlanExplainer
from tui.widgets.query.result_exporter import ResultExporter
from tui.widgets.query.result_grid import ResultGrid
from tui.widgets.query.results_view import ResultsView
from tui.widgets.query.run_progress import RunProgress
from tui.widgets.query.saved_queries import SavedQueries
from tui.widgets.query.statement_runner import StatementRunner
from tui.widgets.query.transaction_control import TransactionControl
from tui.widgets.query.watch import Watcher

__all__ = ["QueryPane", "outcome_summary", "run_summary"]


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
        # ctrl+w is the editor's delete-word: alt+w beside it, ctrl+f4 as in DBeaver and Windows
        # editors (both pass tmux; a desktop may take ctrl+f4, the palette has "Close editor tab").
        Binding("alt+w,ctrl+f4", "close_tab", "Close tab", priority=True, id="query.close_tab"),
        # The completion popup's keys: the editor keeps the focus while it shows.
        Binding("down", "completion_move(1)", "Next", show=False, priority=True, id="query.completion_next"),
        Binding("up", "completion_move(-1)", "Previous", show=False, priority=True, id="query.completion_previous"),
        Binding("enter", "completion_accept", "Accept", show=False, priority=True, id="query.completion_accept"),
        # Transactions (manual-commit mode): keys the editor leaves alone, sent inside tmux.
        Binding("f10", "commit", "Commit", show=False, id="query.commit"),
        Binding("f12", "rollback", "Roll back", show=False, id="query.rollback"),
        Binding("ctrl+n", "toggle_autocommit", "Manual commit on/off", show=False, id="query.toggle_autocommit"),
        # Saved queries, watch mode and plots (tui/widgets/query/saved_queries.py, watch.py, result_plot.py).
        Binding("ctrl+s", "save_query", "Save query", show=False, id="query.save_query"),
        Binding("ctrl+l", "saved_queries", "Saved queries", show=False, id="query.saved_queries"),
        Binding("w", "watch", "Watch (again: stop)", show=False, id="query.watch"),
        Binding("W", "watch_pause", "Pause watch", show=False, id="query.watch_pause"),
        Binding("p", "plot", "Plot the result", show=False, id="query.plot"),
    ]

    class TransactionChanged(Message):
        """The editor's transaction opened, changed or ended: `header` is its word for
        the connection header ("" while none is open)."""

        def __init__(self, header: str) -> None:
            super().__init__()
            self.header = header

    class DatabaseSwitch(Message):
        """`\\c NAME` was run: the workspace switches to that database (asking about
        an open transaction first)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, database: Database, profile: Profile, row_cap: int = DEFAULT_ROW_CAP,
                 storage_key: str | None = None) -> None:
        super().__init__(id="query-pane")
        self.database = database
        self.profile = profile
        self.sessions = SessionKeeper(database, row_cap)
        # Tabs and history per profile, and per database after a switch (storage_key).
        self.history = HistoryStore(storage_key or profile.name)
        self.editor_tabs = EditorTabs(storage_key or profile.name, id="query-editor")
        self.results = ResultsView(id="query-results")
        self.completion = CompletionPopup(database, self, id="completion")
        self.prompt = GuardPrompt()
        self.explainer = PlanExplainer(database, self.sessions, profile.production, self)
        self.exporter = ResultExporter(database, self)
        self.runner = StatementRunner(self.sessions, self.history)
        self.transactions = TransactionControl(self.sessions, profile, self)
        self._status_text = ""
        self.saved = SavedQueries(database, profile, self)
        self.watcher = Watcher(self)
        self.outcomes: list[Outcome] = []
        self.progress = RunProgress(self)

    def compose(self) -> ComposeResult:
        with Vertical(id="query-body"):
            yield self.editor_tabs
            yield self.results
        yield self.completion
        yield self.runner
        yield self.progress
        yield self.prompt
        yield self.explainer
        yield self.exporter
        yield self.transactions
        yield self.saved
        yield self.watcher

    def on_mount(self) -> None:
        self.grid.dialect = "sqlite" if self.profile.driver == "sqlite" else "postgresql"  # copies as INSERT
        self.set_status("ready")
        self.completion.load_catalog()

    def on_unmount(self) -> None:
        self.sessions.close()

    @property
    def running(self) -> bool:
        """A run is going (statements run, or wait for an answer)."""
        return self.progress.running

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
    def set_status(self, text: str) -> None:
        """The status line's text; the transaction's words follow it while nothing runs."""
        self._status_text = text
        self.results.set_status(text, "" if self.running else self._transaction_text())

    def _transaction_text(self) -> str:
        state = self.transactions.state
        return state.describe() if state.manual or state.open else self.sessions.transaction_status()

    @on(EditorTabs.AutosaveRedacted)
    def _autosave_redacted(self) -> None:
        self.set_status("autosaved with a password redacted")

    def show_message(self, text: str, style: str = "") -> None:
        """A line in the messages under the results."""
        self.results.message(text, style)

    # -- completion ---------------------------------------------------------------------
    def after_typed_keys(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback` once the editor has handled the keys typed before this one.

        The App hands keys over one at a time (tui.key_order), so the characters
        typed just before a priority key (one burst over SSH) are in the text by
        now; queuing on the editor still puts the callback behind anything the
        editor has yet to process, and before the keys typed after this one.
        """
        self.editor.call_later(callback, *args)

    def action_complete(self) -> None:
        self.after_typed_keys(self.completion.complete_at_cursor)

    def action_completion_move(self, step: int) -> None:
        self.completion.move(step)

    def action_completion_accept(self) -> None:
        self.completion.pick()

    @on(TextArea.SelectionChanged, "#sql-editor")
    def _cursor_moved(self) -> None:
        if self.completion.shown:
            self.call_after_refresh(self.completion.follow_cursor)

    # -- running ----------------------------------------------------------------------
    def action_run_current(self) -> None:
        self.after_typed_keys(lambda: self.run_statements(self.editor_tabs.selected_or_current()))

    def action_run_all(self) -> None:
        self.after_typed_keys(lambda: self.run_statements(self.editor_tabs.all_statements()))

    def busy(self) -> bool:
        """A statement or an EXPLAIN is using the session's connection."""
        return self.running or self.explainer.busy

    def run_statements(self, statements: list[Statement], guard: Guard | None = None) -> None:
        """Run these statements (the editor's, a saved query, a watched one) under `guard`."""
        if self.busy():
            self.app.notify("A statement is running: esc or ctrl+c cancels it.", severity="warning")
            return
        if not statements:
            self.app.notify("Nothing to run.")
            return
        if self._psql_meta(statements):
            return
        # No confirmation here: on production each statement is judged by the
        # server in a read-only trial, in the worker (tui/services/query/guard.py).
        self.outcomes = []
        if not self.watcher.watching:
            self.results.hide_plot()
        self.results.begin(len(statements))
        self.progress.begin(len(statements))
        guard = guard or self.guard()
        self.runner.run(statements, guard, self.transactions.state.manual,
                        lambda: self.prompt.ask(self.transactions.question(guard, typed_commit=True)))

    def _psql_meta(self, statements: list[Statement]) -> bool:
        """psql habits typed in the editor (`\\watch 2`, `\\c NAME`, `\\dt` …): done or
        refused here, never sent as SQL. Returns whether the run was taken care of."""
        plan = plan_meta(statements)
        if plan is None:
            return False
        if plan.refusal is not None:
            self.show_message(plan.refusal, "bold yellow")
            self.set_status("not run: a psql meta-command")
        elif plan.statement is not None:
            self.grid.focus()  # w and W (stop, pause) are the results' keys
            self.watcher.start(plan.statement, plan.interval)
        elif plan.connect is not None:
            if self.profile.driver == "sqlite":
                self.show_message("\\c switches database on PostgreSQL; a SQLite profile is one file.", "bold yellow")
            else:
                self.post_message(self.DatabaseSwitch(plan.connect))
        return True

    def link_restored(self) -> None:
        """The workspace reconnected: check the editor's session before the next run
        (it may have died, idle, with the link), and reload completion if it failed."""
        self.sessions.check_on_next_use()
        if self.catalog is None:
            self.completion.load_catalog()
        if self.transactions.state.open and not self.busy():
            self.runner.check_session()  # say now whether the server rolled the transaction back

    def guard(self) -> Guard:
        """The profile's guard for a run (questions asked in the pane's prompt)."""
        return Guard(production=self.profile.production, profile_name=self.profile.name,
                     ask=self.prompt.ask,
                     read_only_unenforced=self.profile.read_only and not self.database.info.read_only,
                     read_only=self.profile.read_only)

    @on(StatementRunner.TransactionLost)
    @on(PlanExplainer.TransactionLost)
    def _transaction_lost(self) -> None:
        self.transactions.lost_with_connection()

    @on(StatementRunner.SessionLost)
    def _session_lost(self, message: StatementRunner.SessionLost) -> None:
        self.show_message("The connection was lost; the next run reconnects.", "bold red")
        self.transactions.session_gone()
        self.post_message(ConnectionLost(message.reason))

    @on(StatementRunner.RowsArrived)
    def _show_streaming(self, message: StatementRunner.RowsArrived) -> None:
        self.results.show_streaming(message.result)

    @on(StatementRunner.StatementStarted)
    def _statement_started(self, message: StatementRunner.StatementStarted) -> None:
        self.progress.statement_started(message.index, message.total)

    @on(StatementRunner.StatementDone)
    async def _statement_done(self, message: StatementRunner.StatementDone) -> None:
        outcome, error = message.outcome, message.outcome.error
        self.outcomes.append(outcome)
        error_at = None
        if not outcome.connection_lost and error is not None and error.position is not None:
            error_at = self.editor_tabs.select_character(error.position)  # the cursor on the culprit
        await self.results.show_outcome(message.index, outcome, self.timings, error_at, self.database.info.in_recovery)
        if not outcome.connection_lost:
            self.transactions.observe(outcome, message.status)
        dry_run = dry_run_text(outcome) if self.transactions.state.open else None
        if dry_run:
            self.show_message(dry_run, "bold yellow")  # in the open transaction: nothing committed yet
        if self.watcher.watching and outcome.statement is self.watcher.statement:  # not a run of its own
            self.watcher.take(outcome)

    @on(StatementRunner.RunFinished)
    def _run_finished(self, message: StatementRunner.RunFinished) -> None:
        if any(first_keyword(o.statement) in ("CREATE", "ALTER", "DROP") for o in self.outcomes if o.ok):
            self.completion.load_catalog()  # new names to complete
        self.progress.finish()
        error = message.error
        if error is not None:
            self.show_message(f"Lost the connection or failed to run: {error}", "bold red")
            if is_connection_lost(error):
                self.post_message(ConnectionLost(str(error)))
            self.sessions.close()  # a fresh session next time
            self.transactions.session_gone()
        summary = run_summary(self.outcomes, self.progress.total, self.timings) if self.outcomes else "stopped"
        if self.progress.total > 1 and "stopped" in summary:
            self.show_message(summary.rpartition(" · ")[2].capitalize() + ".", "yellow")
        redacted = " · saved to history with a password redacted" if self.history.take_redacted() else ""
        self.set_status(summary + redacted + (f" · {self.watcher.describe()}" if self.watcher.watching else ""))

    def action_cancel(self) -> None:
        if self.completion.open_in_editor:
            self.completion.hide()
            return
        self.exporter.cancel()
        if self.running:
            self.runner.stop()  # the whole run stops, not just this statement
            if self.sessions.session is not None:
                self.show_message("Cancelling …", "yellow")
                self.sessions.cancel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action.startswith("completion_"):
            return self.completion.open_in_editor
        if action == "cancel":
            # Only while something runs; otherwise esc/ctrl+c keep their usual meaning.
            return self.running or self.exporter.exporting or self.completion.open_in_editor
        if action == "watch_pause":
            return self.watcher.watching
        return True

    # -- transactions ------------------------------------------------------------------------
    def action_commit(self) -> None:
        self.transactions.commit()

    def action_rollback(self) -> None:
        self.transactions.rollback()

    def action_toggle_autocommit(self) -> None:
        self.transactions.toggle_mode(self.guard(), self.busy())

    def transaction_open(self) -> bool:
        """A transaction is open on the editor's session (or a statement runs in one)."""
        return self.transactions.state.open

    def settle_transaction(self, leaving: str, then: Callable[[], None]) -> None:
        """Before leaving (`leaving`: "Quit", "Switch profile" …): commit / roll back /
        stay; `then` runs at once with no transaction open, after it ended well, never on stay."""
        self.transactions.leave(self.guard(), leaving, then, self.busy())

    @on(TransactionControl.Changed)
    def _transaction_changed(self, message: TransactionControl.Changed) -> None:
        self.set_status(self._status_text)
        self.post_message(self.TransactionChanged(message.state.header()))

    # -- explain, history, export, format ---------------------------------------------------
    def action_explain(self, analyze: bool) -> None:
        self.after_typed_keys(self.explainer.explain_at_cursor, analyze)

    def action_history(self) -> None:
        def chosen(sql: str | None) -> None:
            if sql:
                self.editor_tabs.load_statement(sql.rstrip().rstrip(";") + ";")
                self.editor.focus()

        self.app.push_screen(HistoryScreen(self.history), chosen)

    def action_export(self) -> None:
        self.exporter.export_shown(self.outcomes)

    def action_format(self) -> None:
        self.editor_tabs.format_sql()

    # -- editor tabs and focus ----------------------------------------------------------------
    def action_new_tab(self) -> None:
        self.editor_tabs.new_tab()

    def action_close_tab(self) -> None:
        # The transaction belongs to the pane's session, which every tab shares: closing a
        # tab (even the last one, which is only emptied) leaves it open and asks nothing.
        # pgAdmin asks because its tab owns the connection; here nothing ends with the tab,
        # the header and status keep saying the transaction is open, and leaving asks.
        self.call_later(self._close_active_tab)  # also called from the palette: not awaited there

    async def _close_active_tab(self) -> None:
        number = self.active_buffer + 1
        text = await self.editor_tabs.close_tab()
        kept = bool(text.strip())
        if kept:
            self._keep_closed_text(text)
        self.set_status(f"closed Query {number}" + (" · its text is in the history (ctrl+r)" if kept else ""))

    @work(thread=True, group="query-closed-tab", exit_on_error=False)
    def _keep_closed_text(self, text: str) -> None:
        self.history.add_closed_tab(text)

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

    # -- saved queries, watch mode and plots (tui/widgets/query/saved_queries.py, watch.py) -----
    def action_save_query(self) -> None:
        self.saved.save_from_editor()

    def action_saved_queries(self) -> None:
        self.saved.open_picker()

    def action_watch(self) -> None:
        self.watcher.toggle()

    def action_watch_pause(self) -> None:
        self.watcher.pause_or_resume()

    def action_plot(self) -> None:
        why_not = self.results.toggle_plot()
        if why_not is not None:
            self.app.notify(why_not, severity="warning")
