"""Browse: select a range, copy it (cut cells read whole first), re-run the INSERTs
into a copy of the table, expand a row; and the selection as the screen shows it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from helpers.browse_data import SETUP
from helpers.pilot import until
from textual.app import App, ComposeResult

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.widgets import grid_selection
from tui.widgets.browse import BrowsePane, selectable_table
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.row_view import RowView

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


class CopyApp(App[None]):
    """The Browse tab alone; copies land in `copied`, notifications in `said`."""

    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__()
        self.database, self.profile = database, profile
        self.copied: list[str] = []
        self.said: list[str] = []

    def compose(self) -> ComposeResult:
        pane = BrowsePane(self.database, self.profile)
        pane.show_timings = False
        yield pane

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)

    def notify(self, message: str, **kwargs) -> None:  # type: ignore[no-untyped-def, override]
        self.said.append(message)


@pytest.fixture
def conninfo(pg_cluster: LocalCluster, pg_database: str) -> str:
    info = pg_cluster.socket_conninfo(pg_database)
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("create schema copy")
    return info


@pytest.fixture
def database(conninfo: str, socket_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    fresh = grid_selection.CopyPreferences()
    monkeypatch.setattr(grid_selection, "preferences", fresh)
    monkeypatch.setattr(selectable_table, "preferences", fresh)
    database = open_database(socket_profile)
    yield database
    database.close()


async def opened(pilot, name: str) -> BrowsePane:  # type: ignore[no-untyped-def]
    pane = pilot.app.query_one(BrowsePane)
    pane.open_relation("shop", name, "table")
    await until(pilot, lambda: pane.relation is not None and pane.relation.name == name and not pane._busy)
    return pane


def same_rows(conninfo: str, table: str, where: str = "true") -> bool:
    with psycopg.connect(conninfo) as conn:
        query = f"(select * from shop.{table} where {where} except all select * from copy.{table}) union all " \
                f"(select * from copy.{table} except all select * from shop.{table} where {where})"
        return conn.execute(query).fetchall() == []


async def test_a_range_copies_as_tsv_and_rows_as_inserts_that_rerun(conninfo, database, socket_profile) -> None:
    app = CopyApp(database, socket_profile)
    async with app.run_test(size=(120, 30)) as pilot:
        await opened(pilot, "customers")
        await pilot.press("space", "right", "right", "down", "down", "y")
        assert app.copied[-1].split("\n") == ["id\tname\tnote", "1\tcustomer 1\t\"\"", "2\tcustomer 2\tn",
                                              "3\tcustomer 3\t"]
        assert app.said[-1] == "Copied 3 rows × 3 columns as TSV (OSC 52)."
        assert not app.query_one(DataGrid).selection.active
        await pilot.press("up", "up", "V", "down", "down", "down", "Y", "i")
        statements = app.copied[-1]
        assert statements.startswith('INSERT INTO "shop"."customers" ("id", "name", "note") VALUES (1, ')
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("create table copy.customers (like shop.customers)")
            conn.execute(statements.replace('INSERT INTO "shop"."customers"', 'INSERT INTO "copy"."customers"'))
        assert same_rows(conninfo, "customers", "id <= 4")
        # y remembers INSERT now; esc without a selection still reaches the pane
        await pilot.press("escape", "space", "y")
        assert app.copied[-1] == 'INSERT INTO "shop"."customers" ("note") VALUES (\'\'::text);'


async def test_cut_cells_are_read_whole_and_odd_types_rerun(conninfo, database, socket_profile) -> None:
    app = CopyApp(database, socket_profile)
    async with app.run_test(size=(120, 30)) as pilot:
        await opened(pilot, "docs")
        grid = app.query_one(DataGrid)
        grid.move_cursor(column=2)
        await pilot.press("space", "y")  # the 2 MB value the grid shows cut at 500 characters
        await until(pilot, lambda: len(app.copied) == 1)
        assert app.copied[-1] == "big\n" + "x" * 2 * 1024 * 1024
        await pilot.press("x")
        assert isinstance(app.screen, RowView)
        assert app.screen.cut_at is not None and app.screen.cut_at(0) == {2}  # marked "…(cut: …)" on screen
        await pilot.press("n", "escape")
        assert grid.cursor_row == 1
        await pilot.press("up", "V", "down", "Y", "i")  # jsonb, bytea, arrays, NULLs, '' and the 2 MB row
        await until(pilot, lambda: len(app.copied) == 2)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("create table copy.docs (like shop.docs)")
            conn.execute(app.copied[-1].replace('INSERT INTO "shop"."docs"', 'INSERT INTO "copy"."docs"'))
        # the 2 MB row is copied whole, and fills the clipboard's budget: row 2 is left out, and said so
        assert app.said[-1].startswith("Copied the first 1 row × 6 columns of 2 rows as INSERT statements")
        assert same_rows(conninfo, "docs", "id = 1")
        await pilot.press("V", "Y", "i")  # row 2 alone: NULLs, '' and NULL arrays
        await until(pilot, lambda: len(app.copied) == 3)
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(app.copied[-1].replace('INSERT INTO "shop"."docs"', 'INSERT INTO "copy"."docs"'))
        assert same_rows(conninfo, "docs")


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_browse_selection(snap_compare, database, socket_profile, size) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await opened(pilot, "customers")
        await pilot.press("down", "space", "right", "down", "down")
        await pilot.pause(0.1)

    assert snap_compare(CopyApp(database, socket_profile), run_before=run, terminal_size=size)
