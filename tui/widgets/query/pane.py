"""The Query tab: an SQL editor over a streaming, virtualised result grid."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import OptionList, RichLog, Static, Tab, Tabs, TextArea
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from tui.db.link import connection_answers, is_connection_lost, stop_and_close
from tui.formatting import plural
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.screens.explain import ExplainScreen
from tui.screens.export import ExportScreen
from tui.screens.history import HistoryScreen
from tui.services.query import explain as explain_service
from tui.services.query.autosave import EditorAutosave, buffer_autosaves
from tui.services.query.classify import first_keyword
from tui.services.query.completion import Candidate, CompletionCatalog, complete
from tui.services.query.export import ExportCancelled, export
from tui.services.query.guard import Guard, Question, acting_functions, acting_question, run_guarded
from tui.services.query.history import HistoryStore
from tui.services.query.results import DEFAULT_ROW_CAP
from tui.services.query.runner import Outcome, open_session
from tui.services.query.splitter import (
    Statement,
    location_to_offset,
    make_room_for_statement,
    offset_to_location,
    split_statements,
    statement_at,
)
from tui.services.query.standby import standby_hint
from tui.widgets.browse.value_viewer import ValueViewer
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.query.result_grid import ResultGrid
from tui.widgets.query.sql_editor import SqlEditor

STATUS_INTERVAL = 0.1  # seconds between status-line updates while rows stream in


def outcome_summary(outcome: Outcome, timings: bool = True) -> str:
    elapsed = f" · {outcome.elapsed:.3f} s" if timings else ""
    if outcome.declined:
        return "refused" if outcome.error else "not run"
    if outcome.cancelled:
        return f"cancelled{elapsed}"
    if outcome.connection_lost:
        rows = len(outcome.result) if outcome.result is not None else 0
        return f"connection lost after {plural(rows, 'row')} (incomplete)" if rows else "connection lost"
    if outcome.error:
        return f"error {outcome.error.sqlstate or ''}".strip()
    rows = len(outcome.result) if outcome.result is not None else outcome.rowcount
    capped = " (row cap reached: first rows kept)" if outcome.result is not None and outcome.result.capped else ""
    tag = outcome.tag or "OK"
    return f"{tag}{capped} · {plural(rows, 'row')}{elapsed}" if outcome.result else f"{tag}{elapsed}"


def run_summary(outcomes: list[Outcome], total: int, timings: bool = True) -> str:
    """The status after a run: the last statement's summary, and where a run of
    several statements stopped early (cancelled, declined, failed)."""
    last = outcomes[-1]
    summary = outcome_summary(last, timings)
    done = len(outcomes)
    if total <= 1 or (done == total and last.ok):
        return summary
    if last.ok:  # cancelled between two statements
        return f"{summary} · stopped after statement {done} of {total}"
    ran = "none ran" if done == 1 else ("statement 1 ran" if done == 2 else f"statements 1-{done - 1} ran")
    return f"{summary} · stopped at statement {done} of {total} ({ran})"


def editor_theme(app: Any) -> str:
    """Monokai on a full-colour theme; on the ANSI-16 theme the editor follows the
    app's own colours ("css") instead of painting a black box on a light terminal."""
    theme = app.current_theme
    return "css" if theme is not None and theme.ansi else "monokai"


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
        Binding("down", "completion_move(1)", "Next", show=False, priority=True, id="query.completion_next"),
        Binding("up", "completion_move(-1)", "Previous", show=False, priority=True, id="query.completion_previous"),
        Binding("enter", "completion_accept", "Accept", show=False, priority=True, id="query.completion_accept"),
    ]

    def __init__(self, database: Any, profile: Profile, row_cap: int = DEFAULT_ROW_CAP) -> None:
        super().__init__(id="query-pane")
        self.database = database
        self.profile = profile
        self.row_cap = row_cap
        self.session: Any = None
        self._check_session = False  # after a reconnect: does the session still answer?
        self.outcomes: list[Outcome] = []
        self.running = False
        self._stop_requested = threading.Event()  # set by cancel: the whole run stops
        self._asking = False  # the worker waits for a confirmation
        self._total, self._current_index = 1, 0  # statements in the run, the one running
        self._current_started = 0.0
        self._export_cancel: threading.Event | None = None
        self.history = HistoryStore(profile.name)
        # One buffer per editor tab, each autosaved to its own file.
        self.autosaves: list[EditorAutosave] = buffer_autosaves(profile.name)
        self.buffers: list[str] = [saved.load() for saved in self.autosaves]
        for saved in self.autosaves:
            saved.on_redacted = self._autosave_redacted
        self.active_buffer = 0
        self.catalog: CompletionCatalog | None = None
        self._completion_start = 0
        self._candidates: list[Candidate] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="query-body"):
            yield Tabs(*[Tab(f"Query {i + 1}", id=f"buffer-{i}") for i in range(len(self.buffers))],
                       id="editor-tabs")
            editor = SqlEditor.code_editor(self.buffers[0], language="sql", id="sql-editor",
                                           soft_wrap=False, show_line_numbers=True)
            editor.cursor_blink = False
            editor.theme = editor_theme(self.app)
            yield editor
            yield Static("", id="query-status", markup=False)
            yield Tabs(id="result-tabs")
            yield ResultGrid(id="result-grid")
            yield RichLog(id="query-messages", markup=False, wrap=True, max_lines=500)
        yield OptionList(id="completion")

    def on_mount(self) -> None:
        self.query_one("#result-tabs").display = False
        self.query_one("#completion").display = False
        self._set_status("ready")
        self._load_catalog()
        self.app.theme_changed_signal.subscribe(self, self._follow_theme)

    def _follow_theme(self, _theme: Any) -> None:
        self.editor.theme = editor_theme(self.app)

    def _load_catalog(self) -> None:
        self.run_worker(lambda: CompletionCatalog.load(self.database), thread=True, exit_on_error=False,
                        group="completion-catalog", exclusive=True)

    def on_unmount(self) -> None:
        # Children are gone by now: save from our own copy of each buffer.
        for saved, text in zip(self.autosaves, self.buffers, strict=False):
            saved.save_now(text)
        session = self.session
        if session is not None:
            threading.Thread(target=stop_and_close, args=(session,), daemon=True).start()

    @property
    def editor(self) -> TextArea:
        return self.query_one("#sql-editor", TextArea)

    @property
    def grid(self) -> ResultGrid:
        return self.query_one("#result-grid", ResultGrid)

    # -- status ---------------------------------------------------------------------
    def _set_status(self, text: str) -> None:
        state = ""
        if self.session is not None and not self.running:
            state = self.session.transaction_status()
        line = Text(text)
        if state and state != "idle":
            line.append(f"   ● {state}", style="bold yellow" if state == "in transaction" else "bold red")
            if state == "in failed transaction":
                line.append("  (run ROLLBACK to continue)", style="red")
        elif state == "idle":
            line.append("   · autocommit", style="dim")
        self.query_one("#query-status", Static).update(line)

    def _autosave_redacted(self) -> None:
        """From the autosave thread: the file got the text with a password masked."""
        try:
            self.app.call_from_thread(self._set_status, "autosaved with a password redacted")
        except Exception:  # noqa: BLE001 - saving on quit, from the UI thread or with the pane gone
            pass

    def _message(self, text: str, style: str = "") -> None:
        self.query_one("#query-messages", RichLog).write(Text(text, style=style))

    # -- completion ---------------------------------------------------------------------
    def _completion_open(self) -> bool:
        return bool(self.query_one("#completion").display) and self.editor.has_focus

    def _after_typed_keys(self, callback: Any, *args: Any) -> None:
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
        popup = self.query_one("#completion", OptionList)
        if self.catalog is None or not (popup.display or open_if_closed):
            return
        text = self.editor.text
        offset = location_to_offset(text, *self.editor.cursor_location)
        self._completion_start, self._candidates = complete(text, offset, self.catalog)
        if not self._candidates:
            popup.display = False
            return
        popup.clear_options()
        popup.add_options([Option(Text.assemble(c.text, (f"  {c.kind}", "dim"))) for c in self._candidates])
        popup.highlighted = 0
        x, y = self.editor.cursor_screen_offset
        popup.styles.offset = (max(0, x - self.region.x), max(0, y - self.region.y + 1))
        popup.display = True

    def action_completion_move(self, step: int) -> None:
        popup = self.query_one("#completion", OptionList)
        if popup.option_count:
            popup.highlighted = ((popup.highlighted or 0) + step) % popup.option_count

    def action_completion_accept(self) -> None:
        popup = self.query_one("#completion", OptionList)
        index = popup.highlighted or 0
        popup.display = False
        if not 0 <= index < len(self._candidates):
            return
        candidate = self._candidates[index]
        text = self.editor.text
        start = offset_to_location(text, self._completion_start)
        typed = text[self._completion_start:location_to_offset(text, *self.editor.cursor_location)]
        word = candidate.text.lower() if candidate.kind == "keyword" and typed.islower() else candidate.text
        self.editor.replace(word, start, self.editor.cursor_location)

    def _close_completion(self) -> None:
        self.query_one("#completion").display = False

    @on(TextArea.SelectionChanged, "#sql-editor")
    def _cursor_moved(self) -> None:
        if self.query_one("#completion").display:
            self.call_after_refresh(self._refresh_completion)

    @on(TextArea.Changed, "#sql-editor")
    def _edited(self, event: TextArea.Changed) -> None:
        self.buffers[self.active_buffer] = event.text_area.text
        self.autosaves[self.active_buffer].changed(event.text_area.text)

    # -- running ----------------------------------------------------------------------
    def _selected_or_current(self) -> list[Statement]:
        editor = self.editor
        text = editor.text
        statements = split_statements(text)
        selection = editor.selection
        if selection.start != selection.end:
            start = location_to_offset(text, *min(selection.start, selection.end))
            end = location_to_offset(text, *max(selection.start, selection.end))
            chosen = [s for s in split_statements(text[start:end])]
            return [Statement(s.text, s.start + start, s.tokens) for s in chosen]
        cursor = location_to_offset(text, *editor.cursor_location)
        current = statement_at(statements, cursor)
        return [current] if current else []

    def action_run_current(self) -> None:
        self._after_typed_keys(lambda: self._run(self._selected_or_current()))

    def action_run_all(self) -> None:
        self._after_typed_keys(lambda: self._run(split_statements(self.editor.text)))

    def _busy(self) -> bool:
        """A statement or an EXPLAIN is using the session's connection."""
        return self.running or any(w.group == "explain" and not w.is_finished for w in self.workers)

    def _run(self, statements: list[Statement]) -> None:
        if self._busy():
            self.app.notify("A statement is running: esc or ctrl+c cancels it.", severity="warning")
            return
        if not statements:
            self.app.notify("Nothing to run.")
            return
        # No confirmation here: on production each statement is judged by the
        # server in a read-only trial, in the worker (tui/services/query/guard.py).
        self._start(statements)

    def _start(self, statements: list[Statement]) -> None:
        self.running = True
        self._stop_requested = threading.Event()
        self._total, self._current_index = len(statements), 0
        self.outcomes = []
        self.grid.show(None)
        tabs = self.query_one("#result-tabs", Tabs)
        tabs.clear()
        tabs.display = len(statements) > 1
        self._current_started = time.perf_counter()
        self._set_status(f"running 1 of {len(statements)} …")
        self._status_timer = self.set_interval(STATUS_INTERVAL, self._tick)
        self.run_worker(lambda: self._run_in_thread(statements), thread=True, exit_on_error=False,
                        group="query", exclusive=True)

    def link_restored(self) -> None:
        """The workspace reconnected: check the editor's session before the next run
        (it may have died, idle, with the link), and reload completion if it failed."""
        self._check_session = True
        if self.catalog is None:
            self._load_catalog()

    def _ensure_session(self) -> Any:
        session = self.session
        if session is not None and self._check_session:
            self._check_session = False
            state = session.transaction_status()
            if not connection_answers(session.conn):
                self.session = None
                session.close()
                if state in ("in transaction", "in failed transaction"):
                    self.app.call_from_thread(
                        self._message, "The open transaction was lost with the connection (the server rolled "
                        "it back); this runs on a new connection, in autocommit.", "bold red")
        if self.session is None:
            self.session = open_session(self.database, self.row_cap)
        return self.session

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
        self._asking = True
        try:
            self.app.call_from_thread(self._show_question, question, reply)
            while not answered.wait(0.1):
                if worker.is_cancelled or not self.app.is_running:
                    return False
        except RuntimeError:  # the app is shutting down
            return False
        finally:
            self._asking = False
        return answers[0]

    def _show_question(self, question: Question, reply: Any) -> None:
        # Built and pushed on the UI thread; the worker waits for `reply`.
        self.app.push_screen(ConfirmScreen(question.title, question.body, question.require_text), reply)

    def _run_in_thread(self, statements: list[Statement]) -> None:
        session = self._ensure_session()
        guard = self._guard()
        stop = self._stop_requested
        for index, statement in enumerate(statements):
            if stop.is_set():
                break  # cancelled between two statements: the rest never starts
            self.app.call_from_thread(self._statement_started, index, len(statements))
            outcome = run_guarded(session, statement, guard, on_rows=self._rows_arrived)
            if not outcome.declined:
                self.history.add(statement.text, outcome.elapsed,
                                 len(outcome.result) if outcome.result is not None else outcome.rowcount,
                                 outcome.ok, outcome.error.message if outcome.error else None)
            self.app.call_from_thread(self._statement_done, index, outcome)
            if session.transaction_status() == "connection lost":
                # Never a silent wrong result: say so, and reconnect on the next run.
                self.session = None
                session.close()
                self.app.call_from_thread(self._message, "The connection was lost; the next run reconnects.",
                                          "bold red")
                reason = outcome.error.message if outcome.error else "the connection was closed"
                self.app.call_from_thread(self.post_message, ConnectionLost(reason))
                break
            if not outcome.ok:
                break

    def _rows_arrived(self, result: Any) -> None:
        # Called in the worker for every batch; the first batch is shown at once.
        if not self.outcomes or self.outcomes[-1].result is not result:
            self.app.call_from_thread(self._show_streaming, result)

    def _show_streaming(self, result: Any) -> None:
        if self.grid.result is not result:
            self.grid.show(result)
            self.grid.rows_changed()

    def _statement_started(self, index: int, total: int) -> None:
        self._current_started = time.perf_counter()
        self._current_index, self._total = index, total

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

    def _statement_done(self, index: int, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        tabs = self.query_one("#result-tabs", Tabs)
        label = outcome.tag or ("lost" if outcome.connection_lost else "error")
        tabs.add_tab(Tab(f"{index + 1} {label}"[:24], id=f"result-{index}"))
        for notice in outcome.notices:
            self._message(notice, "cyan")
        if outcome.connection_lost:
            message = outcome.error.message if outcome.error else ""
            self._message(f"{index + 1}: {outcome_summary(outcome, self.timings)}: {message}", "bold red")
        elif outcome.error is not None:
            self._show_error(outcome)
        else:
            self._message(f"{index + 1}: {outcome_summary(outcome, self.timings)}", "dim" if outcome.ok else "yellow")
        if outcome.result is not None:
            self.grid.show(outcome.result) if self.grid.result is not outcome.result else self.grid.rows_changed()
        tabs.active = f"result-{index}"

    def _show_error(self, outcome: Outcome) -> None:
        error = outcome.error
        assert error is not None
        where = ""
        if error.position is not None:
            line, column = offset_to_location(self.editor.text, error.position)
            where = f" at line {line + 1}, column {column + 1}"
            # Select the offending character, leaving the cursor on it.
            self.editor.selection = type(self.editor.selection)((line, column + 1), (line, column))
        code = f" {error.sqlstate}" if error.sqlstate else ""
        self._message(f"ERROR{code}{where}: {error.message}", "bold red")
        for label, value in (("DETAIL", error.detail), ("HINT", error.hint), ("CONTEXT", error.context)):
            if value:
                self._message(f"{label}: {value}", "red")
        standby = standby_hint(error.sqlstate, error.message, self.database.info.in_recovery)
        if standby:
            self._message(standby, "bold yellow")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "completion-catalog" and event.state == WorkerState.SUCCESS:
            self.catalog = event.worker.result
            return
        if event.worker.group != "query" or not event.worker.is_finished:
            return
        if any(first_keyword(o.statement) in ("CREATE", "ALTER", "DROP") for o in self.outcomes if o.ok):
            self._load_catalog()  # new names to complete
        self.running = False
        self._status_timer.stop()
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            self._message(f"Lost the connection or failed to run: {error}", "bold red")
            if error is not None and is_connection_lost(error):
                self.post_message(ConnectionLost(str(error)))
            session, self.session = self.session, None  # a fresh session next time
            if session is not None:
                threading.Thread(target=session.close, daemon=True).start()
        summary = run_summary(self.outcomes, self._total, self.timings) if self.outcomes else "stopped"
        if self._total > 1 and "stopped" in summary:
            self._message(summary.rpartition(" · ")[2].capitalize() + ".", "yellow")
        redacted = " · saved to history with a password redacted" if self.history.take_redacted() else ""
        self._set_status(summary + redacted)

    @on(Tabs.TabActivated, "#result-tabs")
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("result-"))
        if index < len(self.outcomes) and self.outcomes[index].result is not None:
            if self.grid.result is not self.outcomes[index].result:
                self.grid.show(self.outcomes[index].result)

    def action_cancel(self) -> None:
        if self._completion_open():
            self._close_completion()
            return
        if self._export_cancel is not None:
            self._export_cancel.set()
        session = self.session
        if self.running:
            self._stop_requested.set()  # the whole run stops, not just this statement
        if session is not None and self.running:
            self._message("Cancelling …", "yellow")
            threading.Thread(target=session.cancel, daemon=True).start()

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
        statements = self._selected_or_current()
        if not statements or self.running:
            return
        statement = statements[0]
        if self._busy():
            return
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
        sql = explain_service.explain_sql(statement, analyze)
        read_only = analyze and self.profile.production
        self.run_worker(lambda: self._explain_in_thread(sql, read_only), thread=True, exit_on_error=False,
                        group="explain", exclusive=True)
        self._message(f"EXPLAIN{' ANALYZE (rolled back)' if analyze else ''} …", "dim")

    def _explain_in_thread(self, sql: str, read_only: bool) -> None:
        session = self._ensure_session()
        try:
            plan = explain_service.run_explain(session.conn, sql, read_only)
            self.app.call_from_thread(self.app.push_screen, ExplainScreen("Plan", plan))
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            diag = getattr(exc, "diag", None)
            message = getattr(diag, "message_primary", None) or str(exc)
            if read_only and explain_service.refused_as_write(exc):
                message = ("EXPLAIN ANALYZE runs the statement, and this one writes: not on production. "
                           "f6 shows the plan without running it; EXPLAIN ANALYZE typed in the editor is confirmed.")
            self.app.call_from_thread(self._message, f"EXPLAIN failed: {message}", "bold red")

    def action_history(self) -> None:
        def chosen(sql: str | None) -> None:
            if sql:
                self._load_statement(sql.rstrip().rstrip(";") + ";")
                self.editor.focus()

        self.app.push_screen(HistoryScreen(self.history), chosen)

    def _load_statement(self, sql: str) -> None:
        """Put a statement from history in the editor as a statement of its own: over
        the selection, or after the statement under the cursor on a line of its own."""
        editor = self.editor
        selection = editor.selection
        if selection.start != selection.end:
            editor.replace(sql, selection.start, selection.end)
            return
        text = editor.text
        offset, prefix = make_room_for_statement(text, location_to_offset(text, *editor.cursor_location))
        editor.insert(prefix + sql + "\n", offset_to_location(text, offset))

    def action_export(self) -> None:
        index = self._shown_outcome_index()
        if index is None:
            self.app.notify("Run a statement that returns rows first.", severity="warning")
            return
        statement = self.outcomes[index].statement

        def chosen(choice: tuple[str, Path] | None) -> None:
            if choice:
                self._export(statement, *choice)

        self.app.push_screen(ExportScreen(), chosen)

    def _shown_outcome_index(self) -> int | None:
        for index, outcome in enumerate(self.outcomes):
            if outcome.result is not None and outcome.result is self.grid.result:
                return index
        return None

    def _export(self, statement: Statement, fmt: str, path: Path) -> None:
        cancel = threading.Event()
        self._export_cancel = cancel
        started = time.perf_counter()

        def progress(rows: int) -> None:
            self.app.call_from_thread(self._set_status, f"exporting · {rows:,} rows · esc cancels")

        def job() -> int:
            return export(self.database, statement, fmt, path, progress, cancel)

        def finished(event: Worker.StateChanged) -> None:
            if event.worker.name != "export" or not event.worker.is_finished:
                return
            self._export_cancel = None
            if event.state == WorkerState.SUCCESS:
                rows = event.worker.result
                self._set_status(f"exported {rows:,} rows to {path} in {time.perf_counter() - started:.1f} s")
            elif isinstance(event.worker.error, ExportCancelled):
                self._set_status("export cancelled; the partial file was removed")
            else:
                self._set_status("export failed")
                self._message(f"Export failed: {event.worker.error}", "bold red")

        self._export_finished = finished
        self.run_worker(job, thread=True, exit_on_error=False, name="export", group="export")

    @on(Worker.StateChanged)
    def _export_state(self, event: Worker.StateChanged) -> None:
        handler = getattr(self, "_export_finished", None)
        if handler is not None and event.worker.group == "export":
            handler(event)

    def action_format(self) -> None:
        import sqlparse

        editor = self.editor
        formatted = sqlparse.format(editor.text, reindent=True, keyword_case="upper")
        if formatted != editor.text:
            editor.replace(formatted, (0, 0), editor.document.end)

    # -- editor tabs ------------------------------------------------------------------------
    def action_new_tab(self) -> None:
        number = len(self.buffers) + 1
        self.autosaves.append(EditorAutosave(f"{self.profile.name}.{number}"))
        self.autosaves[-1].on_redacted = self._autosave_redacted
        self.buffers.append("")
        tabs = self.query_one("#editor-tabs", Tabs)
        tabs.add_tab(Tab(f"Query {number}", id=f"buffer-{number - 1}"))
        tabs.active = f"buffer-{number - 1}"

    def action_next_tab(self) -> None:
        self.query_one("#editor-tabs", Tabs).action_next_tab()

    @on(Tabs.TabActivated, "#editor-tabs")
    def _buffer_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("buffer-"))
        if index == self.active_buffer or index >= len(self.buffers):
            return
        self.active_buffer = index
        self.editor.load_text(self.buffers[index])
        self.editor.focus()

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

    @on(ResultGrid.CellOpened)
    def _open_cell(self, event: ResultGrid.CellOpened) -> None:
        self.app.push_screen(ValueViewer(event.column, "text", event.value))
