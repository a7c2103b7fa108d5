"""A virtualised result grid: only the visible rows are ever turned into text,
so scrolling a million rows costs the same as scrolling a hundred."""

from __future__ import annotations

from textual import work
from textual.actions import SkipAction
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.services.copy_formats import Copied, CopySource, parse_table_name
from tui.services.query.results import ResultSet
from tui.widgets.copy_chooser import CopyFormatChooser
from tui.widgets.grid_selection import SELECTION_BINDINGS, GridSelection, Span, copied_message, copy_span, preferences
from tui.widgets.query.column_widths import ColumnWidths
from tui.widgets.query.grid_drawing import display_text, draw_cells, grid_styles, rich_color
from tui.widgets.row_view import RowView

__all__ = ["ResultGrid", "display_text", "rich_color"]

COPY_LIMIT = 100_000  # values in one OSC 52 copy: terminals cap the clipboard payload
# Types whose values copy as more than text (JSON booleans and documents, INSERT casts).
TYPE_NAMES = {16: "boolean", 17: "bytea", 114: "json", 3802: "jsonb"}


class ResultGrid(ScrollView, can_focus=True):
    """Shows a ResultSet (which may still be growing) with a cell cursor."""

    BINDINGS = [
        Binding("up", "move(0,-1)", "Up", show=False),
        Binding("down", "move(0,1)", "Down", show=False),
        Binding("left", "move(-1,0)", "Left", show=False),
        Binding("right", "move(1,0)", "Right", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First row", show=False),
        Binding("end", "edge(1)", "Last row", show=False),
        Binding("enter", "open_cell", "View value"),
        # y in the footer here, as before the selection came (Browse's footer is full); the
        # footer names what it copies without a selection, help says the rest.
        Binding("y", "copy_selection", "Copy cell", id="grid.copy"),
        *[binding for binding in SELECTION_BINDINGS if binding.id != "grid.copy"],
        Binding("C", "copy_column", "Copy column", show=False, id="results.copy_column"),
        Binding("A", "copy_visible", "Copy visible rows", show=False, id="results.copy_visible"),
    ]

    cursor_row: reactive[int] = reactive(0)
    cursor_column: reactive[int] = reactive(0)

    class CellOpened(Message):
        """The user wants to see a whole value."""

        def __init__(self, column: str, value: str | None) -> None:
            super().__init__()
            self.column = column
            self.value = value

    class SelectionCopied(Message):
        """A selection's text is ready for the clipboard (formatted off the UI thread)."""

        def __init__(self, copied: Copied, fmt: str, columns: int) -> None:
            super().__init__()
            self.copied = copied
            self.fmt = fmt
            self.columns = columns

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: ResultSet | None = None
        self.column_widths = ColumnWidths()
        self.selection = GridSelection()
        self.dialect = "postgresql"  # how INSERTs quote values; the Query pane sets it
        self.changed_cells: set[tuple[int, int]] = set()  # (row, column) drawn highlighted (watch mode)

    @property
    def widths(self) -> list[int]:
        """The columns' widths in cells (see ColumnWidths)."""
        return self.column_widths.widths

    # -- data -----------------------------------------------------------------------
    def show(self, result: ResultSet | None) -> None:
        """Display a (possibly still loading) result; resets the cursor."""
        self.result = result
        self.changed_cells = set()
        self.column_widths.reset()
        self.cursor_row = self.cursor_column = 0
        self.selection.clear()
        self.scroll_to(0, 0, animate=False)
        self.rows_changed()

    def rows_changed(self) -> None:
        """Call when rows were appended: resizes the scroll area, redraws."""
        result = self.result
        if result is None:
            self.virtual_size = Size(0, 0)
        else:
            self.column_widths.sample(result)
            self._set_virtual_size()
        self.refresh()

    def _set_virtual_size(self) -> None:
        assert self.result is not None
        self.virtual_size = Size(self.column_widths.total(), len(self.result) + 1)

    def _fit_visible_rows(self) -> None:
        """Widen the columns for the rows about to be drawn (see ColumnWidths.fit)."""
        result = self.result
        if result is None:
            return
        top = self.scroll_offset.y
        if self.column_widths.fit(result, (top, min(len(result), top + max(0, self.size.height - 1)))):
            self._set_virtual_size()
            self.refresh()  # lines outside this frame's crop were drawn at the old widths

    # -- drawing --------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        self._fit_visible_rows()  # before any line is drawn, so every line gets the same widths
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        result = self.result
        width = self.size.width
        if result is None or not result.columns:
            return Strip.blank(width, self.rich_style)
        scroll_x, scroll_y = self.scroll_offset
        styles = grid_styles(self.app.theme_variables, self.rich_style, self.has_focus)
        if y == 0:
            cells = [(c.name, False) for c in result.columns]
            strip = draw_cells(cells, self.widths, styles["header"], styles["header"], None, styles)
        else:
            index = scroll_y + y - 1
            if index >= len(result):
                return Strip.blank(width, self.rich_style)
            values = result.row(index)
            cells = [(display_text(v), col.numeric) for v, col in zip(values, result.columns, strict=False)]
            nulls = [v is None for v in values]
            base = styles["odd"] if index % 2 else styles["even"]
            cursor_col = self.cursor_column if index == self.cursor_row else None
            span = self.selected_span()
            chosen = span.columns if span and index in span.rows else None
            strip = draw_cells(cells, self.widths, base, styles["null"], cursor_col, styles, nulls, chosen,
                               [(index, c) in self.changed_cells for c in range(len(cells))]
                               if self.changed_cells else None)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, self.rich_style)

    # -- cursor ---------------------------------------------------------------------
    def watch_cursor_row(self) -> None:
        self.refresh()

    def watch_cursor_column(self) -> None:
        self.refresh()

    def _follow_cursor(self) -> None:
        height = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + height:
            self.scroll_to(y=self.cursor_row - height + 1, animate=False)
        left = sum(w + 3 for w in self.widths[: self.cursor_column])
        right = left + (self.widths[self.cursor_column] + 3 if self.widths else 0)
        if left < self.scroll_offset.x:
            self.scroll_to(x=left, animate=False)
        elif right > self.scroll_offset.x + self.size.width:
            self.scroll_to(x=right - self.size.width, animate=False)

    def action_move(self, dx: int, dy: int) -> None:
        if self.result is None or not len(self.result):
            return
        self.cursor_row = max(0, min(len(self.result) - 1, self.cursor_row + dy))
        self.cursor_column = max(0, min(len(self.result.columns) - 1, self.cursor_column + dx))
        self._follow_cursor()

    def action_page(self, direction: int) -> None:
        self.action_move(0, direction * max(1, self.size.height - 2))

    def action_edge(self, direction: int) -> None:
        if self.result is None or not len(self.result):
            return
        self.cursor_row = 0 if direction < 0 else len(self.result) - 1
        self._follow_cursor()

    def current_value(self) -> tuple[str, str | None] | None:
        if self.result is None or not len(self.result) or not self.result.columns:
            return None
        row = min(self.cursor_row, len(self.result) - 1)
        column = min(self.cursor_column, len(self.result.columns) - 1)
        return self.result.columns[column].name, self.result.cell(row, column)

    def action_open_cell(self) -> None:
        current = self.current_value()
        if current is not None:
            self.post_message(self.CellOpened(*current))

    def action_copy_column(self) -> None:
        result = self.result
        if result is None or not len(result):
            return
        column = min(self.cursor_column, len(result.columns) - 1)
        values = (result.cell(i, column) for i in range(min(len(result), COPY_LIMIT)))
        self.app.copy_to_clipboard("\n".join("" if v is None else v for v in values))
        self.app.notify(f"Column copied ({min(len(result), COPY_LIMIT):,} values).")

    def action_copy_visible(self) -> None:
        result = self.result
        if result is None or not len(result):
            return
        top = self.scroll_offset.y
        rows = range(top, min(len(result), top + max(1, self.size.height - 1)))
        lines = ["\t".join(c.name for c in result.columns)]
        lines += ["\t".join("" if v is None else v for v in result.row(i)) for i in rows]
        self.app.copy_to_clipboard("\n".join(lines))
        self.app.notify(f"{len(rows)} visible rows copied (tab-separated, with a header).")

    # -- selection, copy, row view (keys shared with Browse: tui.widgets.grid_selection) ------
    def selected_span(self) -> Span | None:
        """The selected rectangle (rows and columns of the result), or None."""
        if self.result is None:
            return None
        return self.selection.span(self.cursor_row, self.cursor_column, len(self.result), len(self.result.columns))

    def action_select(self, mode: str) -> None:
        if self.result is None or not len(self.result):
            return
        self.selection.toggle(mode, self.cursor_row, self.cursor_column)
        self.refresh()

    def action_extend(self, dx: int, dy: int) -> None:
        if self.result is not None and len(self.result) and not self.selection.active:
            self.selection.toggle("cells", self.cursor_row, self.cursor_column)
        self.action_move(dx, dy)
        self.refresh()

    def action_clear_selection(self) -> None:
        if not self.selection.active:
            raise SkipAction()  # esc keeps its meaning further up (leave, cancel)
        self.selection.clear()
        self.refresh()

    def copy_source(self) -> CopySource:
        """The result's columns as the copy formats need them; INSERTs go into `table`."""
        assert self.result is not None
        columns = self.result.columns
        return CopySource([c.name for c in columns], [c.numeric for c in columns],
                          [TYPE_NAMES.get(c.type_oid, "") for c in columns], parse_table_name(preferences.table),
                          self.dialect)

    def action_copy_selection(self) -> None:
        span = self.selected_span()
        if span is None:
            current = self.current_value()
            if current is not None:
                self.app.copy_to_clipboard("" if current[1] is None else current[1])
                self.app.notify("Cell copied.")
            return
        self._copy(preferences.format, span)

    def _row_span(self) -> Span | None:
        span = self.selected_span()
        if span is None and self.result is not None and len(self.result) and self.result.columns:
            row = min(self.cursor_row, len(self.result) - 1)
            span = Span(row, row, 0, len(self.result.columns) - 1)
        return span

    def action_copy_as(self) -> None:
        span = self._row_span()
        if span is None:
            return
        what = span.describe() if self.selection.active else "the row"
        self.app.push_screen(CopyFormatChooser(what, preferences.format, preferences.table),
                             lambda choice: self._chosen(choice, span))

    def _chosen(self, choice: tuple[str, str] | None, span: Span) -> None:
        if choice is None:
            return
        preferences.format, preferences.table = choice
        self._copy(choice[0], span)

    def _copy(self, fmt: str, span: Span) -> None:
        self.copy_in_background(fmt, self.copy_source(), span)
        self.selection.clear()
        self.refresh()

    @work(thread=True, exclusive=True, group="result-copy", exit_on_error=False)
    def copy_in_background(self, fmt: str, source: CopySource, span: Span) -> None:
        """Format the selection: up to a megabyte of text takes a moment (rows are
        decoded one by one)."""
        assert self.result is not None
        copied = copy_span(fmt, source, self.result.row, span)
        self.post_message(self.SelectionCopied(copied, fmt, len(span.columns)))

    def on_result_grid_selection_copied(self, message: ResultGrid.SelectionCopied) -> None:
        message.stop()
        copied = message.copied
        self.app.copy_to_clipboard(copied.text)
        self.app.notify(copied_message(copied, message.fmt, message.columns, " f8 exports them all."),
                        severity="warning" if copied.capped else "information", timeout=8 if copied.capped else 3)

    def action_row_view(self) -> None:
        result = self.result
        if result is None or not len(result):
            return
        self.app.push_screen(RowView([c.name for c in result.columns], result.row, len(result), self.cursor_row),
                             self._row_viewed)

    def _row_viewed(self, index: int | None) -> None:
        if index is not None and self.result is not None and index < len(self.result):
            self.cursor_row = index
            self._follow_cursor()
