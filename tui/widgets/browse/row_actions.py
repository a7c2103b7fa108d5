"""Browse's row under the cursor and its selection: view a value, copy a row or a
range in a format, follow a foreign key, expand a row. The BrowsePane composes one
and hands it the grid's messages; cells cut for the grid are read whole first."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tui.services.browse.copying import page_rows_with, relation_copy_source, rows_cut
from tui.services.browse.navigation import COPIED, copied_text
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.loader import RelationLoader
from tui.widgets.browse.selectable_table import SelectableTable
from tui.widgets.browse.status_line import StatusLine
from tui.widgets.browse.value_viewer import ValueViewer
from tui.widgets.grid_selection import Span, copied_message, copy_span
from tui.widgets.row_view import RowView

if TYPE_CHECKING:
    from tui.widgets.browse.pane import BrowsePane


class RowActions:
    """What the pane does with a row or a span of its page (no state of its own)."""

    def __init__(self, pane: BrowsePane) -> None:
        self.pane = pane

    def with_row(self, label: str, row: int, column: int, use: str) -> None:
        """The row in full (cells in the grid may be cut), then `use` it ("view" or a copy format)."""
        pane, nav = self.pane, self.pane.nav
        cell = nav.cell(row, column) if pane.grid_shown() else None
        if cell is None or nav.pager is None:
            return
        if not cell.cut:
            self.use_row(use, cell.values, cell.column)  # nothing was cut: no round trip
            return
        pane.loader.read_row(pane.begin_read(label), nav.pager.relation, cell.key, cell.column, use)

    def row_fetched(self, event: RelationLoader.RowFetched) -> None:
        """The row read whole for `with_row`."""
        if not self.pane.answered(event.generation):
            return
        if event.values:
            self.use_row(event.use, event.values, event.column)
        else:
            self.pane.notify("row no longer exists")
        self.pane.query_one(StatusLine).restore()

    def use_row(self, use: str, values: list[str | None], column: int) -> None:
        """Open the value viewer on `column`, or copy the row as `use` says."""
        pane = self.pane
        assert pane.nav.pager is not None
        relation = pane.nav.pager.relation
        if use == "view":
            col = relation.columns[column]
            pane.app.push_screen(ValueViewer(col.name, col.type, values[column]))
            return
        pane.app.copy_to_clipboard(copied_text(use, relation, values, column, pane.source.dialect))
        pane.notify(f"Copied {COPIED[use]} (OSC 52)", timeout=2)

    def follow_fk(self, row: int, column: int) -> None:
        """Open the row this cell's foreign key references; backspace returns."""
        pane, nav = self.pane, self.pane.nav
        cell = nav.cell(row, column) if pane.grid_shown() else None
        if cell is None or nav.place is None:
            return
        target = nav.follow(cell)
        if target is None:
            pane.notify("no foreign key on this column (or it is NULL)", severity="warning", timeout=3)
            return
        pane.open_place(target)

    # ---- a selection copied, a row expanded (the keys of tui.widgets.grid_selection) ----------
    def copy_rows(self, event: SelectableTable.CopyRows) -> None:
        """Copy the selected span (or the cursor's cell without one) in the asked format."""
        pane, nav = self.pane, self.pane.nav
        page = nav.pager.page if nav.pager else None
        grid = pane.query_one(DataGrid)
        if event.span is None:
            self.with_row("copying", grid.cursor_row, grid.cursor_column, "cell")
            return
        if page is None or nav.relation is None:
            return
        if event.span.bottom >= len(page.rows):  # staged new rows sit under the page: not data yet
            if event.span.top >= len(page.rows):
                return
            event.span = replace(event.span, bottom=len(page.rows) - 1)
        cut = rows_cut(page, event.span.rows, event.span.columns)
        if cut:  # cells cut for the grid: read those rows whole first
            pane.loader.read_rows(pane.begin_read("copying"), nav.relation, cut, [page.keys[r] for r in cut],
                                  (event.span, event.fmt))
        else:
            self._copy_span(page.rows, event.span, event.fmt)

    def rows_fetched(self, event: RelationLoader.RowsFetched) -> None:
        """The rows read whole for `copy_rows`."""
        pager = self.pane.nav.pager
        if self.pane.answered(event.generation) and pager and pager.page:
            self._copy_span(page_rows_with(pager.page, event.fetched), *event.copy)
            self.pane.query_one(StatusLine).restore()

    def _copy_span(self, rows: list[list[str | None]], span: Span, fmt: str) -> None:
        pane = self.pane
        assert pane.nav.relation is not None
        copied = copy_span(fmt, relation_copy_source(pane.nav.relation, pane.source.dialect), rows.__getitem__, span)
        pane.app.copy_to_clipboard(copied.text)
        pane.notify(copied_message(copied, fmt, len(span.columns)), timeout=3)
        pane.query_one(DataGrid).end_selection()

    def show_row_view(self, row: int) -> None:
        """The one-row view of the page's `row`; closing it moves the cursor to the row last shown."""
        pane = self.pane
        page = pane.nav.pager.page if pane.nav.pager else None
        if page is None or not page.rows:
            return
        pane.app.push_screen(
            RowView(page.columns, page.rows.__getitem__, len(page.rows), min(row, len(page.rows) - 1),
                    "on this page",
                    lambda index: {c for r, c in page.truncated if r == index}),
            lambda index: pane.query_one(DataGrid).move_cursor(row=index, animate=False) if index is not None else None)
