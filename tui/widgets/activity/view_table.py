"""A sub-view (Locks, Statements, Tables, Indexes) as a plain table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from textual.widgets import DataTable

from tui.formatting import clip, size_text
from tui.services.activity.views import ViewRows

_SIZES = {"total_bytes", "bytes"}
QUERY_WIDTH = 100
# Views that lead with the query cut it shorter, so that its numbers still show.
LEADING_QUERY_WIDTHS = {"statements": 48}


def cell(column: str, value: Any, query_width: int = QUERY_WIDTH) -> str:
    """A value as one line of text: sizes in units, times to the minute, long text cut."""
    if value is None:
        return ""
    if column in _SIZES:
        return size_text(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return clip(" ".join(str(value).split()), query_width if column == "query" else QUERY_WIDTH)


class ViewTable(DataTable[str]):
    """Rebuilt on each load: sub-views are loaded on demand, not every tick."""

    DEFAULT_CSS = """
    ViewTable { height: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", **kwargs)

    def load(self, view: ViewRows) -> None:
        """Show these rows, in the view's own column order."""
        query_width = LEADING_QUERY_WIDTHS.get(self.id or "", QUERY_WIDTH)
        rows = [[cell(c, row.get(c), query_width) for c in view.columns] for row in view.rows]
        self.clear(columns=True)
        # Widths given, not measured by DataTable on its next idle: a frame drawn
        # before that would be cached, and kept, at the headers' widths.
        for index, column in enumerate(view.columns):
            width = max([cell_len(column), *(cell_len(row[index]) for row in rows)])
            self.add_column(column, key=column, width=width)
        for row in rows:
            self.add_row(*row)
