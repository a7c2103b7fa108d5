"""What a run shows under the editor: the status line, a tab per statement, the
result grid and the messages (notices, errors, hints)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog, Static, Tab, Tabs

from tui.services.query.plot_data import PlotData, plot_of
from tui.services.query.results import ResultSet
from tui.services.query.runner import Outcome
from tui.services.query.standby import standby_hint
from tui.services.query.summary import outcome_summary
from tui.widgets.browse.value_viewer import ValueViewer
from tui.widgets.query.result_grid import ResultGrid
from tui.widgets.query.result_plot import ResultPlot


class ResultsView(Vertical):
    """The results of the last run; the pane tells it what happened (calls down)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._results: list[ResultSet | None] = []  # by result tab

    def compose(self) -> ComposeResult:
        yield Static("", id="query-status", markup=False)
        yield Tabs(id="result-tabs")
        yield ResultGrid(id="result-grid")
        yield ResultPlot(id="result-plot")
        yield RichLog(id="query-messages", markup=False, wrap=True, max_lines=500)

    def on_mount(self) -> None:
        self.query_one("#result-tabs").display = False

    @property
    def grid(self) -> ResultGrid:
        return self.query_one("#result-grid", ResultGrid)

    @property
    def plot(self) -> ResultPlot:
        return self.query_one("#result-plot", ResultPlot)

    def show_plot(self, data: PlotData, title: str = "") -> None:
        """The chart under the grid (the messages make room for it)."""
        self.plot.draw(data, title)
        self.plot.add_class("-shown")
        self.query_one("#query-messages").display = False

    def hide_plot(self) -> None:
        self.plot.remove_class("-shown")
        self.query_one("#query-messages").display = True

    @property
    def plot_shown(self) -> bool:
        return self.plot.has_class("-shown")

    def toggle_plot(self) -> str | None:
        """p: hide the plot, or plot the grid's result; returns why it cannot be plotted."""
        data = plot_of(self.grid.result)
        if self.plot_shown:
            self.hide_plot()
        elif data.why_not is not None:
            return data.why_not
        else:
            self.show_plot(data)
        return None

    def set_status(self, text: str, transaction: str = "") -> None:
        """The status line: `text`, then the session's transaction state when known."""
        line = Text(text)
        if transaction and not transaction.endswith("idle"):
            line.append(f"   ● {transaction}", style="bold yellow" if transaction.startswith("in transaction")
                        else "bold red")
            if transaction == "in failed transaction":
                line.append("  (run ROLLBACK to continue)", style="red")
        elif transaction == "idle":
            line.append("   · autocommit", style="dim")
        elif transaction.endswith("idle"):
            line.append(f"   · {transaction}", style="bold")  # manual commit, nothing open
        self.query_one("#query-status", Static).update(line)

    def message(self, text: str, style: str = "") -> None:
        self.query_one("#query-messages", RichLog).write(Text(text, style=style))

    def begin(self, total: int) -> None:
        """A run of `total` statements starts: no result yet, a tab per statement if several."""
        self._results = []
        self.grid.show(None)
        tabs = self.query_one("#result-tabs", Tabs)
        tabs.clear()
        tabs.display = total > 1

    def show_streaming(self, result: ResultSet) -> None:
        """The first rows of a result still coming in."""
        if self.grid.result is not result:
            self.grid.show(result)
            self.grid.rows_changed()

    async def show_outcome(self, index: int, outcome: Outcome, timings: bool, error_at: tuple[int, int] | None,
                           in_recovery: bool) -> None:
        """Statement `index` ended: its tab, its messages, its rows. `error_at` is the
        (line, column) of the error's position in the editor."""
        self._results.append(outcome.result)
        tabs = self.query_one("#result-tabs", Tabs)
        label = outcome.tag or ("lost" if outcome.connection_lost else "error")
        # Awaited: the first tab activates itself once mounted, and a next run must
        # not clear it before that (the run ends only after this returns).
        await tabs.add_tab(Tab(f"{index + 1} {label}"[:24], id=f"result-{index}"))
        for notice in outcome.notices:
            self.message(notice, "cyan")
        if outcome.connection_lost:
            reason = outcome.error.message if outcome.error else ""
            self.message(f"{index + 1}: {outcome_summary(outcome, timings)}: {reason}", "bold red")
        elif outcome.error is not None:
            self._show_error(outcome, error_at, in_recovery)
        else:
            self.message(f"{index + 1}: {outcome_summary(outcome, timings)}", "dim" if outcome.ok else "yellow")
        if outcome.result is not None:
            self.grid.show(outcome.result) if self.grid.result is not outcome.result else self.grid.rows_changed()
        tabs.active = f"result-{index}"

    def _show_error(self, outcome: Outcome, error_at: tuple[int, int] | None, in_recovery: bool) -> None:
        error = outcome.error
        assert error is not None
        where = f" at line {error_at[0] + 1}, column {error_at[1] + 1}" if error_at is not None else ""
        code = f" {error.sqlstate}" if error.sqlstate else ""
        self.message(f"ERROR{code}{where}: {error.message}", "bold red")
        for label, value in (("DETAIL", error.detail), ("HINT", error.hint), ("CONTEXT", error.context)):
            if value:
                self.message(f"{label}: {value}", "red")
        standby = standby_hint(error.sqlstate, error.message, in_recovery)
        if standby:
            self.message(standby, "bold yellow")

    @on(Tabs.TabActivated, "#result-tabs")
    def _tab_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("result-"))
        result = self._results[index] if index < len(self._results) else None
        if result is not None and self.grid.result is not result:
            self.grid.show(result)

    @on(ResultGrid.CellOpened)
    def _open_cell(self, event: ResultGrid.CellOpened) -> None:
        self.app.push_screen(ValueViewer(event.column, "text", event.value))
