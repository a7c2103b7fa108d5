"""Browse's grid with a range selection: the keys of tui.widgets.grid_selection
on a DataTable, the selected cells painted over the page's own cells."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.actions import SkipAction
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable

from tui.widgets.copy_chooser import CopyFormatChooser
from tui.widgets.grid_selection import SELECTION_BINDINGS, GridSelection, Span, preferences
from tui.widgets.query.result_grid import rich_color


class SelectableTable(DataTable[Text]):
    """A DataTable whose cells can be selected as a range, copied and expanded.

    Copies and the row view are asked of the pane (messages up): only it has the
    uncut values and knows the table.
    """

    BINDINGS = SELECTION_BINDINGS

    class CopyRows(Message):
        """`y` / `Y`: copy the span in `fmt`; no span: the cell under the cursor."""

        def __init__(self, span: Span | None, fmt: str) -> None:
            super().__init__()
            self.span = span
            self.fmt = fmt

    class RowViewRequested(Message):
        """`x`: show the row under the cursor expanded."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.selection = GridSelection()
        self._cells: list[list[Text]] = []
        self._widths: list[int] = []
        self._painted: set[tuple[int, int]] = set()

    def remember_cells(self, cells: list[list[Text]], widths: list[int]) -> None:
        """The page's cells as shown unselected (a new page ends any selection)."""
        self._cells, self._widths, self._painted = cells, widths, set()
        self.selection.clear()

    def selected_span(self) -> Span | None:
        """The selected rectangle on this page, or None."""
        return self.selection.span(self.cursor_row, self.cursor_column, self.row_count, len(self.columns))

    # ---- painting: only the cells whose state changed are updated ---------------------------
    def _paint(self) -> None:
        span = self.selected_span()
        wanted = {(r, c) for r in span.rows for c in span.columns} if span else set()
        if len(wanted) > 20_000:
            wanted = set()  # a page is a screenful; never repaint an absurd span cell by cell
        colour = rich_color(self.app.theme_variables.get("primary-muted"))
        style = Style(bgcolor=colour) if colour else Style(reverse=True)
        for row, column in wanted ^ self._painted:
            if row >= min(len(self._cells), self.row_count) or column >= min(len(self._cells[row]), len(self.columns)):
                continue  # a page being replaced: its rows are gone
            text = self._cells[row][column]
            if (row, column) in wanted:
                text = text.copy()
                text.align(text.justify if text.justify in ("left", "right") else "left", self._widths[column])
                text.stylize(style)
            self.update_cell_at(Coordinate(row, column), text)
        self._painted = wanted

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.selection.active or self._painted:
            self._paint()

    # ---- the keys ---------------------------------------------------------------------------
    def action_select(self, mode: str) -> None:
        if self.row_count:
            self.selection.toggle(mode, self.cursor_row, self.cursor_column)
            self._paint()

    def action_extend(self, dx: int, dy: int) -> None:
        # Within the page: extending never loads another page (that would end the selection).
        if not self.row_count:
            return
        if not self.selection.active:
            self.selection.toggle("cells", self.cursor_row, self.cursor_column)
        self.move_cursor(row=max(0, min(self.row_count - 1, self.cursor_row + dy)),
                         column=max(0, min(len(self.columns) - 1, self.cursor_column + dx)), animate=False)
        self._paint()

    def action_clear_selection(self) -> None:
        if not self.selection.active:
            raise SkipAction()  # esc keeps its meaning further up (cancel a load)
        self.selection.clear()
        self._paint()

    def end_selection(self) -> None:
        """After a copy, as vim's `y` does."""
        self.selection.clear()
        self._paint()

    def action_copy_selection(self) -> None:
        if self.row_count:
            self.post_message(self.CopyRows(self.selected_span(), preferences.format))

    def action_copy_as(self) -> None:
        if not self.row_count:
            return
        span = self.selected_span()
        what = span.describe() if span else "the row"
        if span is None:
            span = Span(self.cursor_row, self.cursor_row, 0, len(self.columns) - 1)
        self.app.push_screen(CopyFormatChooser(what, preferences.format, None),
                             lambda choice: self._chosen(choice, span))

    def _chosen(self, choice: tuple[str, str] | None, span: Span) -> None:
        if choice is not None:
            preferences.format = choice[0]
            self.post_message(self.CopyRows(span, choice[0]))

    def action_row_view(self) -> None:
        if self.row_count:
            self.post_message(self.RowViewRequested(self.cursor_row))
