"""What the Browse tab does with the row under the cursor: view, copy, follow a
foreign key and come back; and switching between Data, Structure and Stats."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.widgets import ContentSwitcher

from tui.services.browse import full_row, jump_target, load_stats, load_structure, row_as_insert, row_as_json
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.structure_view import FactsView, stats_renderable, structure_renderable
from tui.widgets.browse.value_viewer import ValueViewer

if TYPE_CHECKING:
    from tui.widgets.browse.pane import BrowsePane

VIEWS = ("browse-grid", "browse-structure", "browse-stats")


class RowActions:
    """Mixed into BrowsePane (kept apart: the pane is about paging)."""

    def _cursor_row(self: BrowsePane) -> tuple[int, int] | None:
        grid = self.query_one(DataGrid)
        page = self.pager.page if self.pager else None
        if page is None or not page.rows or self.query_one(ContentSwitcher).current != "browse-grid":
            return None
        return min(grid.cursor_row, len(page.rows) - 1), min(grid.cursor_column, len(page.columns) - 1)

    def _with_row(self: BrowsePane, label: str, use: Callable[[list[str | None], int], None]) -> None:
        """The cursor's row in full (cells in the grid may be cut), then `use` it."""
        position = self._cursor_row()
        if position is None or self.pager is None or self.pager.page is None:
            return
        row, column = position
        page, relation, source = self.pager.page, self.pager.relation, self.source
        if not any((row, c) in page.truncated for c in range(len(page.columns))):
            use(list(page.rows[row]), column)  # nothing was cut: no round trip
            return
        key = page.keys[row]
        self._run(label, lambda: full_row(source, relation, key),
                  lambda values: use(values, column) if values else self.notify("row no longer exists"))

    def action_view_value(self: BrowsePane) -> None:
        def show(values: list[str | None], column: int) -> None:
            col = self.pager.relation.columns[column]  # type: ignore[union-attr]
            self.app.push_screen(ValueViewer(col.name, col.type, values[column]))

        self._with_row("fetching value", show)

    def _copy(self: BrowsePane, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} (OSC 52)", timeout=2)

    def action_copy_cell(self: BrowsePane) -> None:
        self._with_row("copying", lambda values, c: self._copy("NULL" if values[c] is None else values[c], "cell"))

    def action_copy_json(self: BrowsePane) -> None:
        self._with_row("copying", lambda values, _c: self._copy(
            row_as_json(self.pager.relation, values), "row as JSON"))  # type: ignore[union-attr]

    def action_copy_insert(self: BrowsePane) -> None:
        self._with_row("copying", lambda values, _c: self._copy(
            row_as_insert(self.pager.relation, values, self.source.dialect), "row as INSERT"))  # type: ignore[union-attr]

    def action_follow_fk(self: BrowsePane) -> None:
        """Open the row this cell's foreign key references; backspace returns."""
        from tui.widgets.browse.pane import Place

        position = self._cursor_row()
        if position is None or self.pager is None or self.pager.page is None or self._place is None:
            return
        row, column = position
        page, relation = self.pager.page, self.pager.relation
        found = jump_target(relation, self.fks, relation.columns[column].name, list(page.rows[row]))
        if found is None:
            self.notify("no foreign key on this column (or it is NULL)", severity="warning", timeout=3)
            return
        fk, target = found
        here = self._place
        here.sort, here.descending = self.pager.sort, self.pager.descending
        here.where, here.seek = self.pager.where, dict(self.pager.seek)
        here.first_key = page.keys[0] if relation.key_mode != "offset" else None
        here.cursor = position
        self.history.append(here)
        self._open(Place(fk.to_schema, fk.to_table, "table", seek=target))

    def action_back(self: BrowsePane) -> None:
        if self.history:
            self._open(self.history.pop())

    def action_cycle_view(self: BrowsePane) -> None:
        if self.relation is None:
            return
        switcher = self.query_one(ContentSwitcher)
        current = switcher.current if switcher.current in VIEWS else VIEWS[-1]
        self.show_view(VIEWS[(VIEWS.index(current) + 1) % len(VIEWS)])

    def show_view(self: BrowsePane, view: str) -> None:
        """Switch to "browse-grid", "browse-structure" or "browse-stats"."""
        switcher = self.query_one(ContentSwitcher)
        relation, source = self.relation, self.source
        if relation is None:
            return
        if view == "browse-grid":
            switcher.current = view
            if self.pager and self.pager.page:
                self._show(self.pager.page, self.query_one(DataGrid).cursor_row)
            self.query_one(DataGrid).focus()
            return
        loaders: dict[str, Callable[[], Any]] = {
            "browse-structure": lambda: structure_renderable(load_structure(source, relation)),
            "browse-stats": lambda: stats_renderable(relation.label, load_stats(source, relation)),
        }

        def show(renderable: Any) -> None:
            self._cached[view] = renderable
            self._status(f"{view.removeprefix('browse-')} of {relation.label}  ·  v: next view")
            switcher.current = view
            facts = self.query_one(f"#{view}", FactsView)
            facts.show(renderable)
            facts.focus()

        if view in self._cached:
            show(self._cached[view])
        else:
            self._run(f"loading {view.removeprefix('browse-')}", loaders[view], show)
