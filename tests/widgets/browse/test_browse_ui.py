"""The Browse tab as a user drives it: pick a table, page, sort, filter, view, jump."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import psycopg
import pytest
from helpers.browse_data import HOSTILE_SCHEMA, HOSTILE_TABLE, SETUP
from helpers.pilot import until
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.geometry import Region
from textual.widgets import Footer, TextArea

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.widgets.browse import BrowsePane
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.value_viewer import ValueViewer
from tui.widgets.catalog_tree import CatalogTree


class BrowseApp(App[None]):
    """The sidebar and the Browse tab, wired as the workspace wires them."""

    CSS = "#catalog-tree { width: 30; } BrowsePane { width: 1fr; }"

    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__()
        self.database = database
        self.profile = profile
        self.copied: list[str] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield CatalogTree(self.database)
            yield BrowsePane(self.database, self.profile)
        yield Footer()

    def on_catalog_tree_relation_selected(self, event: CatalogTree.RelationSelected) -> None:
        self.query_one(BrowsePane).open_relation(event.schema, event.name, event.kind)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)


@pytest.fixture
def shop(seeded_database: Callable[[str], Database]) -> Database:
    return seeded_database(SETUP)


def grid_rows(app: App[None]) -> list[list[str]]:
    grid = app.query_one(DataGrid)
    return [[str(cell) for cell in grid.get_row_at(i)] for i in range(grid.row_count)]


async def open_table(pilot, pane: BrowsePane, schema: str, name: str) -> None:  # type: ignore[no-untyped-def]
    pane.open_relation(schema, name, "table")
    await until(pilot, lambda: pane.relation is not None and pane.relation.name == name and not pane._busy)


def test_pick_in_sidebar_page_sort_filter(shop: Database, socket_profile: Profile) -> None:
    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            tree = app.query_one(CatalogTree)
            await until(pilot, lambda: len(tree.root.children) >= 2)
            tree.focus()
            shop_node = next(n for n in tree.root.children if n.data and n.data.name == "shop")
            tree.move_cursor(shop_node)
            await pilot.press("enter")
            await until(pilot, lambda: any(c.data and c.data.name == "customers" for c in shop_node.children))
            customers = next(c for c in shop_node.children if c.data and c.data.name == "customers")
            tree.move_cursor(customers)
            await pilot.press("enter")
            pane = app.query_one(BrowsePane)
            await until(pilot, lambda: pane.relation is not None and not pane._busy)
            rows = grid_rows(app)
            assert rows[0][:2] == ["1", "customer 1"]
            assert rows[2][2] == "NULL" and rows[0][2] == ""  # NULL distinct from ''
            size = len(rows)
            # down past the last row loads the next page
            for _ in range(size):
                await pilot.press("down")
            await until(pilot, lambda: not pane._busy and grid_rows(app)[0][0] == str(size + 1))
            await pilot.press("G")
            await until(pilot, lambda: not pane._busy and grid_rows(app)[-1][0] == "250")
            # sort on the name column, descending
            app.query_one(DataGrid).move_cursor(column=1)
            await pilot.press("o", "o")
            await until(pilot, lambda: not pane._busy and pane.pager.descending)
            assert grid_rows(app)[0][1] == "customer 99"
            # a bad filter keeps the rows and shows PostgreSQL's error
            before = grid_rows(app)
            await pilot.press("f")
            await pilot.press(*"nope > 1", "enter")
            await until(pilot, lambda: not pane._busy)
            assert grid_rows(app) == before
            assert 'column "nope" does not exist' in str(app.query_one("#browse-status").render())
            await pilot.press("f", "ctrl+u")
            await pilot.press(*"id < 3", "enter")
            await until(pilot, lambda: not pane._busy and len(grid_rows(app)) == 2)

    asyncio.run(run())


def grid_lines(grid: DataGrid, count: int) -> list[str]:
    """The grid's first `count` lines as the screen would get them now."""
    strips = grid.render_lines(Region(0, 0, grid.size.width, count))
    return ["".join(segment.text for segment in strip) for strip in strips]


def test_page_drawn_before_the_grid_idles_keeps_whole_cells(shop: Database, socket_profile: Profile) -> None:
    """A frame drawn between a new page and the grid's next idle (where DataTable used
    to measure its columns) was cached at the headers' widths: `cus…` for good."""
    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(BrowsePane)
            await open_table(pilot, pane, "shop", "customers")
            grid = app.query_one(DataGrid)
            assert pane.pager is not None and pane.relation is not None
            await until(pilot, lambda: grid.size.width > 0)  # laid out (a slow machine may not be yet)
            page = await asyncio.to_thread(pane.pager.next)
            grid.show_page(pane.relation, page)
            first = page.rows[0]
            assert f" {first[0]}  {first[1]} " in grid_lines(grid, 2)[1]  # drawn before the idle
            await pilot.pause(0.1)
            assert f" {first[0]}  {first[1]} " in grid_lines(grid, 2)[1]  # and after it

    asyncio.run(run())


def test_value_viewer_opens_2mb_and_json_and_bytea(shop: Database, socket_profile: Profile) -> None:
    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(BrowsePane)
            await open_table(pilot, pane, "shop", "docs")
            grid = app.query_one(DataGrid)
            grid.move_cursor(row=0, column=2)
            started = time.monotonic()
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ValueViewer)
                        and app.screen.query_one(TextArea).text != "")
            assert time.monotonic() - started < 10  # opens, not hangs: timing is bench/'s job
            assert len(app.screen.value) == 2 * 1024 * 1024
            await pilot.press("c")
            assert len(app.copied[-1]) == 2 * 1024 * 1024
            await pilot.press("escape")
            grid.move_cursor(row=0, column=1)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ValueViewer)
                        and app.screen.query_one(TextArea).text != "")
            assert '"a": 1' in app.screen.query_one(TextArea).text
            await pilot.press("escape")
            grid.move_cursor(row=0, column=3)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ValueViewer)
                        and app.screen.query_one(TextArea).text != "")
            assert app.screen.query_one(TextArea).text.startswith("00000000  de ad be ef")

    asyncio.run(run())


def test_fk_jump_and_back_and_copy(shop: Database, socket_profile: Profile) -> None:
    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(BrowsePane)
            await open_table(pilot, pane, "shop", "orders")
            grid = app.query_one(DataGrid)
            grid.move_cursor(row=3, column=1)
            customer = grid_rows(app)[3][1]
            await pilot.press("right_square_bracket")
            await until(pilot, lambda: pane.relation.name == "customers" and not pane._busy)
            assert grid_rows(app) == [[customer, f"customer {customer}", grid_rows(app)[0][2]]]
            await pilot.press("J")
            assert f'"id": {customer}' in app.copied[-1]
            await pilot.press("I")
            assert app.copied[-1].startswith('INSERT INTO "shop"."customers" ("id", "name", "note") VALUES (')
            await pilot.press("backspace")
            await until(pilot, lambda: pane.relation.name == "orders" and not pane._busy)
            assert grid.cursor_coordinate == (3, 1) and grid_rows(app)[3][1] == customer

    asyncio.run(run())


def test_hostile_names_structure_and_stats(shop: Database, socket_profile: Profile) -> None:
    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(BrowsePane)
            await open_table(pilot, pane, HOSTILE_SCHEMA, HOSTILE_TABLE)
            assert [r[0] for r in grid_rows(app)] == ["1", "2", "3", "4", "5"]
            await pilot.press("v")
            await until(pilot, lambda: not pane._busy and "browse-structure" in pane._cached)
            screen_text = app.export_screenshot().replace("&#160;", " ")
            assert "we&quot;ird col" in screen_text or 'we"ird col' in screen_text
            await pilot.press("v")
            await until(pilot, lambda: not pane._busy and "browse-stats" in pane._cached)
            await pilot.press("v")
            assert app.query_one("ContentSwitcher").current == "browse-grid"

    asyncio.run(run())


def test_slow_load_shows_progress_and_cancels(shop: Database, socket_profile: Profile,
                                              pg_cluster: LocalCluster, pg_database: str) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE VIEW shop.slow AS SELECT x, pg_sleep(0.5)::text AS nap FROM generate_series(1, 20) x")

    async def run() -> None:
        app = BrowseApp(shop, socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one(BrowsePane)
            pane.open_relation("shop", "slow", "view")
            await pilot.pause(0.5)
            assert pane._busy and "esc cancels" in str(app.query_one("#browse-status").render())
            started = time.monotonic()
            pane.open_relation("shop", "customers", "table")  # switching cancels the slow load
            await until(pilot, lambda: pane.relation is not None and pane.relation.name == "customers"
                        and not pane._busy)
            assert time.monotonic() - started < 3
            pane.open_relation("shop", "slow", "view")
            await pilot.pause(0.3)
            await pilot.press("escape")
            assert not pane._busy and "cancelled" in str(app.query_one("#browse-status").render())
            assert pane.relation.name == "customers"  # the previous rows stay

    asyncio.run(run())


def test_statement_timeout_of_the_profile(shop: Database, socket_profile: Profile,
                                          pg_cluster: LocalCluster, pg_database: str) -> None:
    from tui.db.reader import QueryError, source_for
    from tui.services.browse import KeysetPager, describe_relation

    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE VIEW shop.slow AS SELECT x, pg_sleep(0.5)::text AS nap FROM generate_series(1, 20) x")
    source = source_for(shop, "200ms")
    try:
        with pytest.raises(QueryError, match="statement timeout"):
            KeysetPager(source, describe_relation(source, "shop", "slow")).first()
    finally:
        source.close()


def test_sqlite_table_in_the_pane(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE t (id integer primary key, name text);"
                           "INSERT INTO t (name) VALUES ('a'), (NULL), ('');")
    profile = Profile(name="lite", driver="sqlite", path=str(path))
    database = open_database(profile)

    async def run() -> None:
        app = BrowseApp(database, profile)
        async with app.run_test(size=(80, 24)) as pilot:
            pane = app.query_one(BrowsePane)
            await open_table(pilot, pane, None, "t")  # type: ignore[arg-type]
            assert grid_rows(app) == [["1", "a"], ["2", "NULL"], ["3", ""]]
            await pilot.press("v")
            await until(pilot, lambda: not pane._busy and "browse-structure" in pane._cached)
            await pilot.press("v")
            await until(pilot, lambda: not pane._busy and "browse-stats" in pane._cached)

    try:
        asyncio.run(run())
    finally:
        database.close()
