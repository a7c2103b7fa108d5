"""A range selection over a grid, shared by the result grid and Browse's grid.

`space` (or a shift+arrow) anchors a range of cells at the cursor, `V` whole
rows, `|` whole columns; moving the cursor extends it, the same key again or
`esc` clears it. `y` copies it in the last format, `Y` asks for the format, `x`
shows the cursor's row expanded. Shift+arrows do not always reach an app
through tmux over SSH: the mark keys and plain arrows are enough.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from textual.binding import Binding

from tui.formatting import plural
from tui.services.copy_formats import FORMATS, Copied, CopySource, copy_rows

MODES = ("cells", "rows", "columns")

# The keys both grids share; one binding id each, so a settings keymap moves both.
SELECTION_BINDINGS = [
    Binding("space", "select('cells')", "Select", show=False, id="grid.select"),
    Binding("V", "select('rows')", "Select rows", show=False, id="grid.select_rows"),
    Binding("vertical_line", "select('columns')", "Select columns", show=False, id="grid.select_columns"),
    Binding("shift+up", "extend(0,-1)", "Extend up", show=False, id="grid.extend_up"),
    Binding("shift+down", "extend(0,1)", "Extend down", show=False, id="grid.extend_down"),
    Binding("shift+left", "extend(-1,0)", "Extend left", show=False, id="grid.extend_left"),
    Binding("shift+right", "extend(1,0)", "Extend right", show=False, id="grid.extend_right"),
    Binding("escape", "clear_selection", "Clear selection", show=False, id="grid.clear_selection"),
    Binding("y", "copy_selection", "Copy", show=False, id="grid.copy"),
    Binding("Y", "copy_as", "Copy as…", show=False, id="grid.copy_as"),
    Binding("x", "row_view", "Row view", show=False, id="grid.row_view"),
]


@dataclass(frozen=True)
class Span:
    """The selected rectangle, both ends included."""

    top: int
    bottom: int
    left: int
    right: int

    @property
    def rows(self) -> range:
        return range(self.top, self.bottom + 1)

    @property
    def columns(self) -> range:
        return range(self.left, self.right + 1)

    def contains(self, row: int, column: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= column <= self.right

    def describe(self) -> str:
        return f"{plural(len(self.rows), 'row')} × {plural(len(self.columns), 'column')}"


class GridSelection:
    """Where a selection is anchored and how it extends to the cursor (no Textual)."""

    def __init__(self) -> None:
        self.mode: str | None = None
        self.anchor = (0, 0)

    @property
    def active(self) -> bool:
        return self.mode is not None

    def toggle(self, mode: str, row: int, column: int) -> None:
        """The mark key: start a selection at the cursor; the same key again ends it;
        another mode's key keeps the anchor and changes what is selected."""
        if self.mode == mode:
            self.clear()
        elif self.mode is not None:
            self.mode = mode
        else:
            self.mode, self.anchor = mode, (row, column)

    def clear(self) -> None:
        self.mode = None

    def span(self, row: int, column: int, row_count: int, column_count: int) -> Span | None:
        """The rectangle between the anchor and the cursor (row, column), or None."""
        if self.mode is None or row_count <= 0 or column_count <= 0:
            return None
        anchor_row = min(self.anchor[0], row_count - 1)
        anchor_column = min(self.anchor[1], column_count - 1)
        top, bottom = sorted((anchor_row, row))
        left, right = sorted((anchor_column, column))
        if self.mode == "rows":
            left, right = 0, column_count - 1
        elif self.mode == "columns":
            top, bottom = 0, row_count - 1
        return Span(top, bottom, left, right)


@dataclass
class CopyPreferences:
    """The format `y` uses (the last one chosen with `Y`) and the INSERTs' table name."""

    format: str = "tsv"
    table: str = "result"


# For the app's lifetime: both grids remember the same last choice.
preferences = CopyPreferences()


def copy_span(fmt: str, source: CopySource, row_at: Callable[[int], list[str | None]], span: Span) -> Copied:
    """The span's rows and columns as `fmt` text; rows are read only while they fit."""
    columns = list(span.columns)
    narrowed = CopySource([source.columns[c] for c in columns], [source.numeric[c] for c in columns],
                          [source.types[c] for c in columns], source.table, source.dialect)

    def rows() -> Iterator[list[str | None]]:
        for index in span.rows:
            values = row_at(index)
            yield [values[c] if c < len(values) else None for c in columns]

    return copy_rows(fmt, narrowed, rows(), len(span.rows))


def copied_message(copied: Copied, fmt: str, columns: int, hint: str = "") -> str:
    """What the notification says: how much was copied, and why not all of it."""
    label = FORMATS[fmt].split(" (")[0]
    what = f"{plural(copied.rows, 'row')} × {plural(columns, 'column')}"
    if copied.capped:
        return (f"Copied the first {what} of {copied.total:,} rows as {label} (OSC 52): terminals drop "
                f"larger clipboard payloads.{hint}")
    return f"Copied {what} as {label} (OSC 52)."
