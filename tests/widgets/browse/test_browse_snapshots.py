"""The sidebar, data grid, value viewer and structure view pinned at 80x24 and 120x40."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from helpers.browse_data import SETUP
from helpers.pilot import until
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Footer

from tui.db import Database
from tui.profiles import Profile
from tui.widgets.browse import BrowsePane
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.catalog_tree import CatalogTree

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


class BrowseApp(App[None]):
    """The sidebar beside the Browse tab, wired as the workspace wires them."""

    CSS = """
    #catalog-tree { width: 28; }
    BrowsePane { width: 1fr; }
    """

    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__()
        self.database = database
        self.profile = profile

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield CatalogTree(self.database)
            pane = BrowsePane(self.database, self.profile)
            pane.show_timings = False
            yield pane
        yield Footer()

    def on_catalog_tree_relation_selected(self, event: CatalogTree.RelationSelected) -> None:
        self.query_one(BrowsePane).open_relation(event.schema, event.name, event.kind)


@pytest.fixture
def app(seeded_database: Callable[[str], Database], socket_profile: Profile) -> BrowseApp:
    return BrowseApp(seeded_database(SETUP), socket_profile)


async def open_shop(pilot) -> None:  # type: ignore[no-untyped-def]
    tree = pilot.app.query_one(CatalogTree)
    await until(pilot, lambda: any(n.data and n.data.name == "shop" for n in tree.root.children))
    tree.focus()
    node = next(n for n in tree.root.children if n.data and n.data.name == "shop")
    tree.move_cursor(node)
    await pilot.press("enter")
    await until(pilot, lambda: any(c.data and c.data.name == "orders" for c in node.children))


async def open_table(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    await open_shop(pilot)
    tree = pilot.app.query_one(CatalogTree)
    node = next(n for n in tree.root.children if n.data and n.data.name == "shop")
    tree.move_cursor(next(c for c in node.children if c.data and c.data.name == name))
    await pilot.press("enter")
    pane = pilot.app.query_one(BrowsePane)
    await until(pilot, lambda: pane.relation is not None and pane.relation.name == name and not pane._busy)
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_catalog_tree(snap_compare, app: BrowseApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_shop(pilot)
        await pilot.pause(0.1)

    assert snap_compare(app, run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_data_grid(snap_compare, app: BrowseApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_table(pilot, "docs")
        pilot.app.query_one(DataGrid).move_cursor(row=1, column=0)

    assert snap_compare(app, run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_value_viewer(snap_compare, app: BrowseApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_table(pilot, "docs")
        pilot.app.query_one(DataGrid).move_cursor(row=0, column=1)
        await pilot.press("enter")
        await until(pilot, lambda: "JSON" in str(pilot.app.screen.query_one("#value-note").render()))
        await pilot.pause(0.1)

    assert snap_compare(app, run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_structure_view(snap_compare, app: BrowseApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_table(pilot, "orders")
        await pilot.press("v")
        pane = pilot.app.query_one(BrowsePane)
        await until(pilot, lambda: "browse-structure" in pane._cached and not pane._busy)
        await pilot.pause(0.1)

    assert snap_compare(app, run_before=run, terminal_size=size)
