"""The sessions table's shortcuts in drawing (PlainRowsTable) give DataTable's segments, style for style."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

from tui.widgets.activity import plain_rows
from tui.widgets.activity.cell_render import plain_cell_lines
from tui.widgets.activity.cells import SESSION_COLUMNS, plain
from tui.widgets.activity.session_table import SessionTable

ROWS = [
    {"mark": plain("●"), "pid": Text("4242", style="bold reverse red"), "state": Text("idle in tx", style="magenta"),
     "duration": Text("3m04", style="bold yellow"), "wait": Text("12s relation", style="red"), "user": plain("app"),
     "query": plain("SELECT * FROM t WHERE a[1] = 2 …"), "xact_age": plain(""), "query_age": plain("9.5s"),
     "database": plain("shop"), "application": plain("worker"), "client": plain("10.0.0.1"),
     "backend_type": plain("client")},
    {"mark": plain(" "), "pid": Text("7", style=""), "state": Text("active", style=""),
     "duration": Text("12s", style=""), "wait": Text("", style=""), "user": plain("ünïcode名前"),
     "query": Text("styled", style="italic"), "xact_age": "plain str", "query_age": plain("x" * 20),
     "database": plain("d"), "application": plain(""), "client": plain("local"), "backend_type": plain("av worker")},
]


class Table(App[None]):
    def compose(self) -> ComposeResult:
        yield SessionTable(id="sessions")


async def test_plain_cells_draw_as_datatable_draws_them(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    drawn: list[bool] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        lines = plain_cell_lines(*args, **kwargs)
        drawn.append(lines is not None)
        return lines

    monkeypatch.setattr(plain_rows, "plain_cell_lines", counted)
    app = Table()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(SessionTable)
        for i, row in enumerate(ROWS):
            table.add_row(*(row[key] for key, _, _ in SESSION_COLUMNS), key=f"r{i}")
        await pilot.pause()
        checked = 0
        for row_index in range(len(ROWS)):
            base = table._get_row_style(row_index, table.rich_style)
            for column_index, column in enumerate(table.ordered_columns):
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    width = column.get_render_width(table)
                    table._cell_render_cache.clear()
                    ours = table._render_cell(row_index, column_index, base, width, cursor, hover)
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_cell(table, row_index, column_index, base, width, cursor, hover)
                    assert [[(s.text, s.style, s.control) for s in line] for line in ours] == \
                        [[(s.text, s.style, s.control) for s in line] for line in theirs], (row_index, column.key)
                    checked += 1
        assert checked == len(ROWS) * len(SESSION_COLUMNS) * 4
        assert sum(drawn) >= checked * 2 // 3  # most cells took the short way; the rest DataTable's
        # Whole row lines, the cursor and the mouse over one row or another.
        for row_key in (table._header_row_key, *(RowKey(f"r{i}") for i in range(len(ROWS)))):
            for cursor in (Coordinate(0, 0), Coordinate(1, 3)):
                for hover in (Coordinate(0, 2), Coordinate(1, 0), Coordinate(-1, 0)):
                    table._row_render_cache.clear()
                    table._cell_render_cache.clear()
                    ours = table._render_line_in_row(row_key, 0, table.rich_style, cursor, hover)
                    table._row_render_cache.clear()
                    table._cell_render_cache.clear()
                    theirs = DataTable._render_line_in_row(table, row_key, 0, table.rich_style, cursor, hover)
                    assert segments(ours[0]) == segments(theirs[0]) and segments(ours[1]) == segments(theirs[1])
        # And the lines as drawn on the screen.
        table._line_cache.clear()
        ours_lines = table.render_lines(table.region.reset_offset)
        table._line_cache.clear()
        theirs_lines = DataTable.render_lines(table, table.region.reset_offset)
        assert [list(strip) for strip in ours_lines] == [list(strip) for strip in theirs_lines]


def segments(lines) -> list[list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    return [[(s.text, s.style, s.control) for s in line] for line in lines]
