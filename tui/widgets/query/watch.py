"""Watch mode (`\\watch`): the Query pane runs one statement again every N
seconds, the cells that changed are highlighted and its numbers plotted over the
runs. A watched run never asks a question: on production a write (or a server
action) is declined by the guard, so it is never watched; an error stops it."""

from __future__ import annotations

from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui.services.query.guard import Guard, Question
from tui.services.query.plot_data import WatchSeries, changed_cells
from tui.services.query.psql_meta import DEFAULT_INTERVAL, MAX_INTERVAL, MIN_INTERVAL
from tui.services.query.results import ResultSet
from tui.services.query.runner import Outcome
from tui.services.query.splitter import Statement
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.query.host import QueryHost
from tui.widgets.steady_input import SteadyInput


def parse_interval(text: str) -> float | None:
    """Seconds from "2", "2s", "0.5" or "1m"; None when it is not one in range."""
    text = text.strip().lower()
    scale = 60.0 if text.endswith("m") else 1.0
    try:
        seconds = float(text.rstrip("ms").strip()) * scale
    except ValueError:
        return None
    return seconds if MIN_INTERVAL <= seconds <= MAX_INTERVAL else None


class WatchIntervalScreen(Dialog[float | None]):
    """Asks how often to run the statement; returns seconds or None."""

    DEFAULT_CSS = "#watch-dialog { width: 64; }"
    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, preview: str, interval: float = DEFAULT_INTERVAL) -> None:
        super().__init__()
        self.preview, self.interval = preview, interval

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="watch-dialog"):
            yield Label("Watch: run it again and again", classes="dialog-title")
            yield Static(self.preview[:200], markup=False, classes="dialog-note")
            with Horizontal(classes="form-row"):
                yield Static("Every (seconds)", classes="form-label")
                yield SteadyInput(f"{self.interval:g}", id="watch-interval")
            yield Static("", id="watch-error", classes="dialog-error", markup=False)
            yield Static(f"{MIN_INTERVAL:g}-{MAX_INTERVAL:g} s (or 1m) · enter start · esc cancel\n"
                         "While watching (results focused): W pauses, w stops.", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        seconds = parse_interval(event.value)
        if seconds is None:
            self.query_one("#watch-error", Static).update(
                f"Seconds between {MIN_INTERVAL:g} and {MAX_INTERVAL:g}, e.g. 2 or 0.5 or 1m.")
            return
        self.dismiss(seconds)

    def action_close(self) -> None:
        self.dismiss(None)


class Watcher(Widget):
    """Keeps the watched statement, its timer and what the runs returned; runs it on
    the pane when due (skipped while the pane is busy), marks the cells that changed
    and plots the numbers. Shows nothing itself."""

    DEFAULT_CSS = "Watcher { display: none; }"

    class Tick(Message):
        """Run the watched statement now."""

        def __init__(self, statement: Statement) -> None:
            super().__init__()
            self.statement = statement

    def __init__(self, host: QueryHost) -> None:
        super().__init__()
        self.host = host
        self.statement: Statement | None = None
        self.interval = DEFAULT_INTERVAL
        self.paused = False
        self.series = WatchSeries()
        self.previous: ResultSet | None = None
        self._timer: Timer | None = None

    @property
    def watching(self) -> bool:
        return self.statement is not None

    def start(self, statement: Statement, interval: float) -> None:
        """Watch `statement`: the first run now, then every `interval` seconds."""
        self.stop()
        self.statement, self.interval, self.paused = statement, interval, False
        self.series, self.previous = WatchSeries(), None
        self._timer = self.set_interval(interval, self._due)
        self.post_message(self.Tick(statement))

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer, self.statement = None, None

    def toggle_pause(self) -> bool:
        """Pause or resume; returns whether it is paused now."""
        self.paused = not self.paused
        return self.paused

    def _due(self) -> None:
        if self.statement is not None and not self.paused:
            self.post_message(self.Tick(self.statement))

    def record(self, result: ResultSet | None) -> set[tuple[int, int]]:
        """One run's result: remember its numbers; returns the cells that changed."""
        self.series.add(result)
        changed = changed_cells(self.previous, result) if self.series.runs > 1 else set()
        self.previous = result
        return changed

    def state_words(self) -> str:
        """What the watch is doing: the plot's title, and the start of the status line."""
        if self.paused:
            return f"watching paused · run {self.series.runs}"
        return f"watching every {self.interval:g} s · run {self.series.runs}"

    def describe(self) -> str:
        """The status line's words for the watch: its state and its keys."""
        keys = "W resumes · w stops" if self.paused else "W pauses · w stops"
        return f"{self.state_words()} · {keys}"

    def ask(self, statements: list[Statement], focus_after: Widget) -> None:
        """Ask for the interval, then watch the one statement (and focus `focus_after`)."""
        if len(statements) != 1 or not statements[0].text:
            self.app.notify("Put the cursor on one statement (or select it) to watch it.", severity="warning")
            return
        statements = [replace(statements[0], meta="", meta_end=0)]  # a typed `\watch 2` is the dialog's now

        def chosen(seconds: float | None) -> None:
            if seconds is not None:
                focus_after.focus()
                self.start(statements[0], seconds)

        self.app.push_screen(WatchIntervalScreen(statements[0].text, self.interval), chosen)

    def toggle(self) -> None:
        """w: stop the watch, or ask for the interval and watch the editor's statement."""
        if self.watching:
            self.stop_with("Watch stopped.")
        else:
            self.host.after_typed_keys(
                lambda: self.ask(self.host.editor_tabs.selected_or_current(), self.host.results.grid))

    def pause_or_resume(self) -> None:
        """W: pause or resume, and say so in the status line."""
        self.toggle_pause()
        self.host.set_status(self.describe())

    @on(Tick)
    def _run_due(self, message: Tick) -> None:
        if not (self.host.busy() or self.host.prompt.waiting):  # else the previous run is still going: skip this one
            self.host.run_statements([message.statement], self.guard(self.host.guard()))

    def take(self, outcome: Outcome) -> None:
        """A watched run ended: stop on an error, else mark what changed and plot."""
        stopped = self.stop_reason(outcome)
        if stopped:
            self.stop_with(stopped)
            return
        grid = self.host.results.grid
        grid.changed_cells = self.record(outcome.result)
        grid.refresh()
        data = self.series.plot()
        if data.why_not is None:
            self.host.results.show_plot(data, self.state_words())

    def stop_with(self, text: str) -> None:
        """Stop watching, saying why in the messages and the status line."""
        self.stop()
        self.host.show_message(text, "yellow")
        self.host.set_status(text.lower().rstrip("."))

    @staticmethod
    def guard(guard: Guard) -> Guard:
        """The profile's guard for a watched run: every question answered no, so a
        write on production (or a server action anywhere) is declined, never watched."""
        return replace(guard, ask=_never)

    @staticmethod
    def stop_reason(outcome: Outcome) -> str | None:
        """Why a watched run ends the watch (an error, a declined write), or None."""
        if outcome.declined and outcome.error is None:
            return "Watch stopped: a write (or a server action) is never watched here; run it on its own."
        if not outcome.ok:
            reason = outcome.error.message if outcome.error else "cancelled"
            return f"Watch stopped: {reason}"
        return None


def _never(_question: Question) -> bool:
    return False
