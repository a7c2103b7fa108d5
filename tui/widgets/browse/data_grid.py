"""The data grid: one page of rows and the keys that act on them.

Moving past either end asks for the next page; every key posts a message (messages
up): the Browse pane reads, pages and copies.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from tui.services.browse import Page, RelationInfo
from tui.services.browse.edits import Overlay
from tui.widgets.browse.selectable_table import SelectableTable

# Grid cells are cut to this width; the value viewer shows the whole value.
CELL_WIDTH = 32
# Staged edits: styles that read on every theme, the 16-colour one too.
EDITED, REFUSED, DELETED, INSERTED = "reverse", "bold white on red", "strike red", "green"


def cell_text(value: str | None, numeric: bool, truncated: bool) -> Text:
    """NULL in dim italics (never confused with ''), numbers right-aligned, one line."""
    if value is None:
        return Text("NULL", style="dim italic")
    flat = value.replace("\r\n", "⏎").replace("\n", "⏎").replace("\t", "→")
    text = Text(flat, justify="right" if numeric else "left", no_wrap=True, overflow="ellipsis")
    if text.cell_len > CELL_WIDTH or truncated:
        text.truncate(CELL_WIDTH - 1, overflow="crop")
        text.append("…", style="dim")
    return text


def column_widths(labels: list[Text], rows: list[list[Text]]) -> list[int]:
    """Each column as wide as its header or its widest cell on the page.

    The grid is given these widths rather than left to measure its cells itself:
    DataTable measures on its next idle, and a frame drawn before that was cached
    at the headers' widths and kept (`1…  2…  cli…`) until something else changed.
    """
    widths = [label.cell_len for label in labels]
    for row in rows:
        for index, text in enumerate(row):
            widths[index] = max(widths[index], text.cell_len)
    return widths


def staged_cells(overlay: Overlay, cells: list[list[Text]], numeric: list[bool]) -> list[list[Text]]:
    """Restyle the page's cells (in place) with the staged edits; return the new rows' cells."""
    for (row, column), (value, error) in overlay.cells.items():
        cells[row][column] = cell_text(value, numeric[column], False)
        cells[row][column].stylize(REFUSED if error else EDITED)
    for row in overlay.deleted:
        for text in cells[row]:
            text.stylize(DELETED)
    new_rows = []
    for new in overlay.inserted:
        texts = []
        for column, (value, staged, error) in enumerate(new):
            text = cell_text(value, numeric[column], False) if staged else Text("default", style="dim italic")
            text.stylize(REFUSED if error else INSERTED)
            texts.append(text)
        new_rows.append(texts)
    return new_rows


class DataGrid(SelectableTable):
    """A DataTable over one page (Textual renders only the visible lines).

    Owns the Browse keys about rows: paging, sort, filter, and what to do with the
    row under the cursor (view, copy, follow its foreign key). Each posts a message.
    """

    BINDINGS = [
        Binding("n", "page('next')", "Next page", id="browse.next_page"),
        Binding("p", "page('previous')", "Prev page", id="browse.previous_page"),
        Binding("g", "page('first')", "First", show=False, id="browse.first_page"),
        Binding("G", "page('last')", "Last page", id="browse.last_page"),
        Binding("percent_sign", "ask('position')", "Go to %", show=False, id="browse.go_to_percent"),
        Binding("o", "sort", "Sort", id="browse.sort"),
        Binding("f", "ask('filter')", "Filter", id="browse.filter"),
        Binding("c", "copy('cell')", "Copy cell", id="browse.copy_cell"),
        Binding("J", "copy('json')", "Copy JSON", show=False, id="browse.copy_json"),
        Binding("I", "copy('insert')", "Copy INSERT", show=False, id="browse.copy_insert"),
        Binding("right_square_bracket", "follow_fk", "Follow FK", id="browse.follow_fk"),
        # Editing: staged until ctrl+s (not in the footer: the changes bar says them once something is staged).
        Binding("e", "edit('cell')", "Edit cell", show=False, id="browse.edit_cell"),
        Binding("i", "edit('insert')", "Insert row", show=False, id="browse.insert_row"),
        Binding("plus", "edit('duplicate')", "Duplicate row", show=False, id="browse.duplicate_row"),
        Binding("d,delete", "edit('delete')", "Mark row for deletion", show=False, id="browse.mark_delete"),
        Binding("ctrl+s", "edit('review')", "Review and save changes", show=False, id="browse.review_changes"),
        Binding("ctrl+z", "edit('undo')", "Undo last change", show=False, id="browse.undo_change"),
        Binding("X", "edit('discard')", "Discard all changes", show=False, id="browse.discard_changes"),
    ]

    class EdgeReached(Message):
        """The cursor tried to move past the first or last row of the page."""

        def __init__(self, forward: bool) -> None:
            super().__init__()
            self.forward = forward

    class PageRequested(Message):
        """`n`, `p`, `g`, `G`: another page ("next", "previous", "first" or "last")."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    class InputAsked(Message):
        """`f` or `%`: ask for a filter ("filter") or a position in the order ("position")."""

        def __init__(self, mode: str) -> None:
            super().__init__()
            self.mode = mode

    class SortRequested(Message):
        """`o`: sort by the cursor's column (ascending, descending, unsorted in turn)."""

        def __init__(self, column: int) -> None:
            super().__init__()
            self.column = column

    class CellMessage(Message):
        """A key about the cell under the cursor."""

        def __init__(self, row: int, column: int) -> None:
            super().__init__()
            self.row = row
            self.column = column

    class ValueOpened(CellMessage):
        """`enter` (or a click on the cursor's cell): show the whole value."""

    class CopyRequested(CellMessage):
        """`c`, `J`, `I`: copy the cell, or the row as JSON or as an INSERT."""

        def __init__(self, row: int, column: int, what: str) -> None:
            super().__init__(row, column)
            self.what = what  # "cell", "json" or "insert"

    class FollowForeignKey(CellMessage):
        """`]`: open the row this cell's foreign key references."""

    class EditRequested(CellMessage):
        """`e`, `i`, `+`, `d`, `ctrl+s`, `ctrl+z`, `X`: stage or review an edit here."""

        def __init__(self, row: int, column: int, action: str) -> None:
            super().__init__(row, column)
            self.action = action  # "cell", "insert", "duplicate", "delete", "review", "undo", "discard"

    def __init__(self) -> None:
        super().__init__(id="browse-grid", cursor_type="cell", zebra_stripes=True)

    def show_page(self, relation: RelationInfo, page: Page, cursor_row: int = 0,
                  overlay: Overlay | None = None) -> None:
        """Replace the grid's rows and columns with one page, sized to fit it; staged
        edits (`overlay`) drawn over it, new rows under it."""
        column = self.cursor_column
        self.clear(columns=True)
        numeric = [c.numeric for c in relation.columns]
        cells = [[cell_text(v, numeric[c], (r, c) in page.truncated) for c, v in enumerate(row)]
                 for r, row in enumerate(page.rows)]
        if overlay is not None:
            cells += staged_cells(overlay, cells, numeric)
        labels = [
            # Key columns underlined: a key glyph (⚿) has an ambiguous width in terminals.
            Text(name, style="bold underline" if name in relation.key else "bold",
                 justify="right" if numeric[index] else "left")
            for index, name in enumerate(page.columns)
        ]
        widths = column_widths(labels, cells)
        for index, (label, width) in enumerate(zip(labels, widths, strict=True)):
            self.add_column(label, key=str(index), width=width)
        self.remember_cells(cells, widths)  # for painting a selection over them
        for row in cells:
            self.add_row(*row)
        if cells:
            self.move_cursor(row=min(max(cursor_row, 0), len(cells) - 1),
                             column=min(column, len(page.columns) - 1), animate=False)

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.EdgeReached(forward=True))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.EdgeReached(forward=False))
            return
        super().action_cursor_up()

    # ---- the keys: each says what the user wants; the pane does it ------------------
    def action_page(self, where: str) -> None:
        self.post_message(self.PageRequested(where))

    def action_ask(self, mode: str) -> None:
        self.post_message(self.InputAsked(mode))

    def action_sort(self) -> None:
        self.post_message(self.SortRequested(self.cursor_column))

    def action_copy(self, what: str) -> None:
        self.post_message(self.CopyRequested(self.cursor_row, self.cursor_column, what))

    def action_follow_fk(self) -> None:
        self.post_message(self.FollowForeignKey(self.cursor_row, self.cursor_column))

    def action_edit(self, action: str) -> None:
        self.post_message(self.EditRequested(self.cursor_row, self.cursor_column, action))

    def on_data_table_cell_selected(self, event: DataTable.CellSelected) -> None:
        # `enter` is DataTable's own select_cursor, reported as CellSelected.
        event.stop()
        self.post_message(self.ValueOpened(self.cursor_row, self.cursor_column))
