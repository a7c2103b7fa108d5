"""The expanded one-row view (psql's `\\x`): column names down the left, each
value in full and wrapped, for rows too wide for the grid."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.widgets.dialogs.dialog import Dialog

# A value longer than this is cut for display: the value viewer (enter) shows it whole.
SHOWN_CHARS = 5_000


def expanded_row(columns: list[str], values: list[str | None], cut: set[int] | None = None) -> Table:
    """A two-column grid: the names (bold, never wrapped) and the values (wrapped)."""
    table = Table.grid(padding=(0, 2), expand=True)
    table.add_column(style="bold", no_wrap=True, max_width=32)
    table.add_column(ratio=1, overflow="fold")
    for index, name in enumerate(columns):
        value = values[index] if index < len(values) else None
        if value is None:
            shown = Text("NULL", style="dim italic")
        else:
            shown = Text(value[:SHOWN_CHARS])
            if len(value) > SHOWN_CHARS or (cut and index in cut):
                shown.append(" …(cut: enter in the grid shows it whole)", style="dim")
        table.add_row(Text(name), shown)
    return table


class RowView(Dialog[int]):
    """One row at a time, scrollable; `n`/`p` walk the rows. Returns the row shown
    last, so the grid's cursor follows."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="row_view.close"),
        Binding("q", "close", "Close", show=False, id="row_view.close_alt"),
        Binding("n", "step(1)", "Next row", id="row_view.next"),
        Binding("p", "step(-1)", "Previous row", id="row_view.previous"),
    ]

    DEFAULT_CSS = """
    RowView #row-view { width: 95%; height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    RowView #row-view-title { text-style: bold; padding-bottom: 1; }
    RowView #row-view-scroll { height: 1fr; }
    RowView #row-view-keys { color: $text-muted; }
    """

    def __init__(self, columns: list[str], row_at: Callable[[int], list[str | None]], count: int,
                 index: int, where: str = "", cut_at: Callable[[int], set[int]] | None = None) -> None:
        super().__init__()
        self.columns = columns
        self.row_at = row_at
        self.count = count
        self.index = max(0, min(index, count - 1))
        self.where = where  # "on this page", for Browse
        self.cut_at = cut_at

    def compose(self) -> ComposeResult:
        # Not the `.dialog` class: that one is 72 columns wide, a row wants the screen.
        with Vertical(id="row-view"):
            yield Label("", id="row-view-title", markup=False)
            with VerticalScroll(id="row-view-scroll"):
                yield Static("", id="row-view-body")
            yield Static("n next row · p previous · ↑↓ scroll · esc close", id="row-view-keys")

    def on_mount(self) -> None:
        self._show()
        self.query_one("#row-view-scroll").focus()

    def _show(self) -> None:
        cut = self.cut_at(self.index) if self.cut_at else None
        self.query_one("#row-view-body", Static).update(expanded_row(self.columns, self.row_at(self.index), cut))
        where = f" {self.where}" if self.where else ""
        self.query_one("#row-view-title", Label).update(f"Row {self.index + 1:,} of {self.count:,}{where}")
        self.query_one("#row-view-scroll", VerticalScroll).scroll_home(animate=False)

    def action_step(self, step: int) -> None:
        index = max(0, min(self.count - 1, self.index + step))
        if index != self.index:
            self.index = index
            self._show()

    def action_close(self) -> None:
        self.dismiss(self.index)
