"""Selecting, copying and the one-row view in the query result grid, as a user
presses the keys (v-less: space, V, |, arrows, y, Y, x)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import psycopg
import pytest
from helpers.pilot import until
from textual.app import App, ComposeResult
from textual.widgets import TextArea

import tui
from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query.results import Column, ResultSet, encode_row
from tui.widgets import grid_selection
from tui.widgets.copy_chooser import CopyFormatChooser
from tui.widgets.query.pane import QueryPane
from tui.widgets.query.result_grid import ResultGrid
from tui.widgets.row_view import RowView

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
COLUMNS = [Column("id", True, 23), Column("name", False, 25), Column("note", False, 25), Column("ok", False, 16),
           Column("doc", False, 3802)]
ROWS = [[str(i), f"item {i}", None if i % 4 == 0 else "a | b" if i == 2 else f"note\nline {i}",
         "t" if i % 2 else "f", '{"n": ' + str(i) + ', "tags": ["x", "y"]}'] for i in range(1, 31)]


class GridApp(App[None]):
    """The result grid alone over a fixed result; copies land in `copied`."""

    CSS_PATH = Path(tui.__file__).resolve().parent / "bastion.tcss"

    def __init__(self, rows: list[list[str | None]] = ROWS) -> None:
        super().__init__()
        self.rows = rows
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        yield ResultGrid(id="result-grid")

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        result = ResultSet(list(COLUMNS))
        result.add_rows([encode_row(r) for r in self.rows])
        result.done = True
        grid = self.query_one(ResultGrid)
        grid.show(result)
        grid.focus()

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)


@pytest.fixture(autouse=True)
def fresh_preferences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grid_selection, "preferences", grid_selection.CopyPreferences())
    import tui.widgets.query.result_grid as result_grid
    monkeypatch.setattr(result_grid, "preferences", grid_selection.preferences)


async def test_select_a_range_with_space_and_arrows_then_copy_tsv_csv_and_inserts() -> None:
    app = GridApp()
    async with app.run_test(size=(100, 30)) as pilot:
        grid = app.query_one(ResultGrid)
        await pilot.press("y")
        assert app.copied[-1] == "1"  # nothing selected: the cell, as before
        await pilot.press("down", "right", "space", "down", "down", "right")
        span = grid.selected_span()
        assert span is not None and (span.top, span.bottom, span.left, span.right) == (1, 3, 1, 2)
        await pilot.press("y")
        await until(pilot, lambda: len(app.copied) == 2)  # formatted in a worker
        parsed = list(csv.reader(io.StringIO(app.copied[-1]), delimiter="\t"))
        assert parsed == [["name", "note"], ["item 2", "a | b"], ["item 3", "note\nline 3"], ["item 4", ""]]
        assert not grid.selection.active  # a copy ends the selection, as vim's y does
        # V: whole rows, shift+arrows extend; Y asks the format (c: CSV), remembered for y
        await pilot.press("V", "shift+down", "Y")
        assert isinstance(app.screen, CopyFormatChooser)
        await pilot.press("c")
        await until(pilot, lambda: len(app.copied) == 3)
        rows = list(csv.reader(io.StringIO(app.copied[-1])))
        assert rows[0] == ["id", "name", "note", "ok", "doc"] and [r[0] for r in rows[1:]] == ["4", "5"]
        await pilot.press("vertical_line", "y")  # | : the whole column, in the remembered CSV
        await until(pilot, lambda: len(app.copied) == 4)
        column = list(csv.reader(io.StringIO(app.copied[-1])))
        assert column[:3] == [["note"], ["note\nline 1"], ["a | b"]] and len(column) == 31
        # INSERT into a table named in the chooser
        await pilot.press("home", "V", "Y", "tab", "ctrl+u", *"shop.items", "shift+tab", "i")
        await until(pilot, lambda: len(app.copied) == 5)
        text = app.copied[-1]
        assert text == ("""INSERT INTO "shop"."items" ("id", "name", "note", "ok", "doc") VALUES (1, 'item 1', """
                        """'note\nline 1', 't'::boolean, '{"n": 1, "tags": ["x", "y"]}'::jsonb);""")
        # escape clears a selection; JSON keeps booleans and documents
        await pilot.press("space", "escape")
        assert not grid.selection.active
        await pilot.press("Y", "j")
        await until(pilot, lambda: len(app.copied) == 6)
        assert json.loads(app.copied[-1]) == [{"id": 1, "name": "item 1", "note": "note\nline 1", "ok": True,
                                              "doc": {"n": 1, "tags": ["x", "y"]}}]


async def test_a_keymap_moves_the_mark_key() -> None:
    app = GridApp()
    async with app.run_test(size=(100, 30)) as pilot:
        app.set_keymap({"grid.select": "v"})
        await pilot.press("v", "down")
        span = app.query_one(ResultGrid).selected_span()
        assert span is not None and len(span.rows) == 2


async def test_a_huge_selection_is_capped_and_says_how_many_rows() -> None:
    wide = [[str(i), "x" * 200, None, "t", "{}"] for i in range(20_000)]
    app = GridApp(wide)
    notes: list[str] = []
    async with app.run_test(size=(100, 30)) as pilot:
        app.notify = lambda message, **kw: notes.append(message)  # type: ignore[method-assign]
        await pilot.press("V", "end", "y")
        await until(pilot, lambda: len(app.copied) == 1)
        assert len(app.copied[-1]) <= 1_000_000
        copied = app.copied[-1].count("\n")
        assert 1_000 < copied < 20_000
        assert notes[-1].startswith(f"Copied the first {copied:,} rows × 5 columns of 20,000 rows as TSV")


async def test_row_view_walks_the_rows_and_the_cursor_follows() -> None:
    app = GridApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "x")
        assert isinstance(app.screen, RowView)
        await pilot.press("n", "n", "p", "n")
        assert app.screen.index == 3
        await pilot.press("escape")
        assert app.query_one(ResultGrid).cursor_row == 3


async def test_copy_from_a_real_query_keeps_types(pg_cluster: LocalCluster, socket_profile: Profile) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
        conn.execute("create table flags (id int primary key, ok boolean, doc jsonb, raw bytea)")
        conn.execute("""insert into flags values (1, true, '{"a": [1, 2]}', '\\x00ff'), (2, null, 'null', null)""")
    database = open_database(socket_profile)

    class PaneApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.copied: list[str] = []

        def compose(self) -> ComposeResult:
            yield QueryPane(database, socket_profile)

        def copy_to_clipboard(self, text: str) -> None:
            self.copied.append(text)

    try:
        app = PaneApp()
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(QueryPane)
            pane.query_one(TextArea).text = "select * from flags order by id"
            await pilot.press("ctrl+j")
            for _ in range(200):
                if not pane.running and pane.outcomes:
                    break
                await pilot.pause(0.05)
            pane.grid.focus()
            await pilot.press("V", "down", "Y", "j")
            await until(pilot, lambda: len(app.copied) == 1)
            assert json.loads(app.copied[-1]) == [{"id": 1, "ok": True, "doc": {"a": [1, 2]}, "raw": "\\x00ff"},
                                                  {"id": 2, "ok": None, "doc": None, "raw": None}]
    finally:
        database.close()


# -- snapshots: a selection, the format chooser, the one-row view ------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_snapshot_selection(snap_compare, size) -> None:
    assert snap_compare(GridApp(), press=["down", "right", "space", "down", "down", "right"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_format_chooser(snap_compare, size) -> None:
    assert snap_compare(GridApp(), press=["V", "down", "Y"], terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_row_view(snap_compare, size) -> None:
    assert snap_compare(GridApp(), press=["down", "down", "x"], terminal_size=size)
