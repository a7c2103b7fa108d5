"""A DataTable of one-line rows with a row cursor, drawn with fewer of DataTable's
per-line costs: the sessions table redraws every visible row each second.

Each override gives DataTable's own output (tests/widgets/activity/test_plain_rows.py
compares them); anything it was not written for goes to DataTable."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from tui.widgets.activity.cell_render import plain_cell_lines


class PlainRowsTable(DataTable[Text | str]):
    """DataTable with three shortcuts for rows of one line: the table's style worked
    out once per draw, not per line; a row's line without the header and background
    styles it does not use; a cell of one plain line built as segments directly."""

    _pass_style: Style | None = None  # the table's style during one render_lines()

    def render_lines(self, crop: Region) -> list[Strip]:
        # DataTable.render_line works out self.rich_style (a walk over every ancestor's
        # styles) for each line it draws: once for all the lines of a pass is enough.
        self._pass_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._pass_style = None

    def render_line(self, y: int) -> Strip:
        """DataTable's line, with the style worked out once per pass (no fixed rows here)."""
        style = self._pass_style
        if style is None or self.fixed_rows:
            return super().render_line(y)
        header = self.get_row_height(self._header_row_key) if self.show_header else 0
        scroll_x, scroll_y = self.scroll_offset
        return self._render_line(y + scroll_y if y >= header else y, scroll_x, scroll_x + self.size.width, style)

    def _render_line_in_row(self, row_key: RowKey, line_no: int, base_style: Style, cursor_location: Coordinate,
                            hover_location: Coordinate) -> tuple[list[list[Segment]], list[list[Segment]]]:
        """DataTable's row line for a body row under a row cursor, without row labels or
        fixed columns: it skips the header style and background colours DataTable works
        out for every line (walks over the styles of every ancestor) and uses only then."""
        cursor_type = self.cursor_type
        if (row_key is self._header_row_key or self.fixed_columns or cursor_type != "row"
                or self._should_render_row_labels):
            return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)
        cache_key = (row_key, line_no, base_style, cursor_location, hover_location, cursor_type, self.show_cursor,
                     self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        cached = self._row_render_cache.get(cache_key)
        if cached is not None:
            return cached
        highlight = self._should_highlight
        row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1
        row_style = self._get_row_style(row_index, base_style)
        widths = [column.get_render_width(self) for column in self.ordered_columns]
        scrollable_row = []
        for column_index, width in enumerate(widths):
            at = Coordinate(row_index, column_index)
            scrollable_row.append(self._render_cell(
                row_index, column_index, row_style, width, cursor=highlight(cursor_location, at, cursor_type),
                hover=highlight(hover_location, at, cursor_type))[line_no])
        remaining_space = max(0, self.size.width - sum(widths) - self._row_label_column_width)
        extend_style, _ = self._get_styles_to_render_cell(
            row_index == -1, False, False, highlight(hover_location, Coordinate(row_index or 0, 0), cursor_type),
            row_index == cursor_location.row, self.show_cursor, self._show_hover_cursor, False, False)
        extend_style = row_style + extend_style
        extend_style += Style.from_meta({"row": row_index, "column": 0, "out_of_bounds": True})
        scrollable_row.append([Segment(" " * remaining_space, extend_style)])
        row_pair: tuple[list[list[Segment]], list[list[Segment]]] = ([], scrollable_row)
        self._row_render_cache[cache_key] = row_pair
        return row_pair

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:
        """DataTable's cell, through plain_cell_lines() when the cell is one plain line
        (the time cells a refresh moves), else as DataTable draws it. Same cache."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
               self._pseudo_class_state)
        lines = self._cell_render_cache.get(key)
        if lines is not None:
            return lines
        row = self._data.get(row_key) if row_key is not None else None
        if row is not None and self.rows[row_key].height == 1:
            component_style, post_style = self._get_styles_to_render_cell(
                False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
                self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
            pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
            lines = plain_cell_lines(row.get(column_key), width, self.cell_padding, pre_style, post_style,
                                     self.app.console.get_style)
            if lines is not None:
                self._cell_render_cache[key] = lines
                return lines
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)

