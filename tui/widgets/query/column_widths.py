"""The result grid's column widths: the header and the first rows size them, a
row drawn later widens them (measuring only what is drawn)."""

from __future__ import annotations

from rich.cells import cell_len

from tui.services.query.results import ResultSet
from tui.widgets.query.grid_drawing import display_text

MAX_COLUMN_WIDTH = 40
SAMPLE_ROWS = 200  # rows looked at to size the columns


class ColumnWidths:
    """Widths of a result's columns in cells, grown as wider values are seen.

    Text columns stop at MAX_COLUMN_WIDTH (the value viewer shows the rest);
    numbers always get their full width: a cut number is a wrong number.
    """

    def __init__(self) -> None:
        self.widths: list[int] = []
        self._sized_on = 0  # rows looked at by the first sizing
        self._measured: tuple[int, int] = (0, 0)  # rows [from, to) last measured for drawing

    def reset(self) -> None:
        """A new result: nothing measured yet."""
        self.widths = []
        self._sized_on = 0
        self._measured = (0, 0)

    def total(self) -> int:
        """The width of a whole line: the columns, their rules and margins."""
        return sum(w + 3 for w in self.widths) + 1

    def sample(self, result: ResultSet) -> None:
        """First sizing, from the header and the first rows (up to SAMPLE_ROWS), as
        they arrive."""
        if not (len(result) > self._sized_on and self._sized_on < SAMPLE_ROWS):
            return
        if not self.widths:
            self.widths = [min(MAX_COLUMN_WIDTH, max(4, cell_len(c.name))) for c in result.columns]
        sample = min(len(result), SAMPLE_ROWS)
        self._widen_for(result, range(sample))
        self._sized_on = sample

    def fit(self, result: ResultSet, window: tuple[int, int]) -> bool:
        """Widen for the rows [from, to) about to be drawn; True if any column grew.

        The first rows size the columns; a later row can hold a wider value (row
        1,000,000's id has seven digits, row 1's one). Measuring only what is
        drawn costs a screenful per frame, however long the result.
        """
        if not self.widths or window == self._measured:
            return False  # the same rows as last frame (rows never change once added)
        self._measured = window
        return self._widen_for(result, range(*window))

    def _widen_for(self, result: ResultSet, rows: range) -> bool:
        widths, grew = self.widths, False
        numeric = [c.numeric for c in result.columns]
        for index in rows:
            for column, value in enumerate(result.row(index)[: len(widths)]):
                needed = cell_len(display_text(value))
                if needed > widths[column] and (numeric[column] or widths[column] < MAX_COLUMN_WIDTH):
                    widths[column] = needed if numeric[column] else min(MAX_COLUMN_WIDTH, needed)
                    grew = True
        return grew
