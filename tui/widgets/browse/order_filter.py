"""Browse's sort, WHERE filter and jump to a position in the current order: each
builds a new pager from the old one's settings (the old one stays on error)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.services.browse import KeysetPager
from tui.widgets.browse.ask_input import AskInput
from tui.widgets.browse.data_grid import DataGrid

if TYPE_CHECKING:
    from tui.widgets.browse.pane import BrowsePane


class OrderAndFilter:
    """What the pane does when the user sorts, filters or asks for a position."""

    def __init__(self, pane: BrowsePane) -> None:
        self.pane = pane

    def _replace_pager(self, label: str, **changes: Any) -> None:
        """A new pager with other sort/filter settings; on error the old one stays."""
        pager = self.pane.nav.repaged(**changes)
        if pager is not None:
            self.pane.loader.read_page(self.pane.begin_read(label), pager, KeysetPager.first, 0, rows_kept=True)

    def sort(self, column_index: int) -> None:
        """The next step for this column: ascending, descending, unsorted."""
        grid = self.pane.query_one(DataGrid)
        if self.pane.nav.pager is None or not grid.row_count and not grid.columns:
            return
        label, changes = self.pane.nav.sort_step(column_index)
        self._replace_pager(label, **changes)

    def ask(self, mode: str) -> None:
        """Ask for a filter ("filter") or a position in the current order ("position")."""
        pager = self.pane.nav.pager
        if pager is None:
            return
        box = self.pane.query_one(AskInput)
        if mode == "filter":
            box.ask("filter", pager.where, "WHERE …   (a SQL expression; empty clears; enter applies)")
        else:
            box.ask("position", "", "go to position in the current order, in % (e.g. 75)")

    def answered(self, event: AskInput.Answered) -> None:
        """The filter or position typed: apply it."""
        self.pane.hide_input()
        if event.mode == "position":
            try:
                self.pane.go_to_fraction(float(event.value.strip().rstrip("%")) / 100)
            except ValueError:
                self.pane.notify("a number from 0 to 100, please", severity="warning")
            return
        self._replace_pager("filtering", where=event.value.strip())
