"""Editing in Browse as a user does it: e, i, d, ctrl+s, the review, the typed name on
production; and the staged state, the SQL preview and a refusal pinned at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from helpers.pilot import until
from textual.app import App, ComposeResult
from textual.widgets import Footer, TextArea

import tui
from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.browse.editable import edit_target
from tui.services.browse.edits import ChangeSet, seen_on_page
from tui.widgets.browse import BrowsePane
from tui.widgets.browse.cell_editor import CellEditor
from tui.widgets.browse.changes_review import ChangesReview
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.edit_session import EditSession
from tui.widgets.dialogs.message import MessageScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SETUP = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE things (id int PRIMARY KEY, label text, qty numeric(8,2), feel mood, note text DEFAULT 'fresh',
                     doc jsonb);
INSERT INTO things SELECT g, 'thing ' || g, g * 1.5, 'ok', CASE WHEN g % 2 = 0 THEN NULL ELSE '' END, '{"n": 1}'
  FROM generate_series(1, 30) g;
CREATE TABLE heap (a int, b text);
INSERT INTO heap VALUES (1, 'h');
"""


class EditApp(App[None]):
    """The Browse tab alone, as the workspace holds it, with bastion's stylesheet (the dialogs)."""

    CSS_PATH = Path(tui.__file__).resolve().parent / "bastion.tcss"

    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__()
        self.database, self.profile = database, profile

    def compose(self) -> ComposeResult:
        pane = BrowsePane(self.database, self.profile)
        pane.show_timings = False
        yield pane
        yield Footer()


@pytest.fixture
def things(pg_cluster: LocalCluster, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(SETUP)
        yield conn


def make_app(profile: Profile) -> tuple[EditApp, Database]:
    database = open_database(profile)
    return EditApp(database, profile), database


async def open_table(pilot, name: str) -> BrowsePane:  # type: ignore[no-untyped-def]
    pane = pilot.app.screen.query_one(BrowsePane)
    pane.open_relation("public", name, "table")
    await until(pilot, lambda: pane.relation is not None and pane.relation.name == name and not pane._busy)
    await pilot.pause(0.05)
    return pane


async def edit_cell(pilot, row: int, column: int, *keys: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.query_one(DataGrid).move_cursor(row=row, column=column)
    await pilot.press("e")
    await until(pilot, lambda: isinstance(pilot.app.screen, CellEditor))
    await pilot.pause(0.05)
    await pilot.press(*keys)
    await until(pilot, lambda: not isinstance(pilot.app.screen, CellEditor))


async def stage_three(pilot) -> BrowsePane:  # type: ignore[no-untyped-def]
    """Edit a label, set a note to NULL, mark a row for deletion, insert a row."""
    pane = await open_table(pilot, "things")
    await edit_cell(pilot, 0, 1, "ctrl+a", "ctrl+k", *"renamed", "enter")
    await edit_cell(pilot, 0, 4, "ctrl+n")
    pilot.app.query_one(DataGrid).move_cursor(row=2, column=0)
    await pilot.press("d")
    await pilot.press("i")
    await until(pilot, lambda: "3 changes" in pane.query_one("#browse-changes").text)
    return pane


def test_edit_review_and_apply_on_production_needs_the_typed_name(
        things: psycopg.Connection[Any], socket_profile: Profile) -> None:
    async def run() -> None:
        profile = socket_profile.with_changes(name="prod-db", production=True)
        app, database = make_app(profile)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                pane = await stage_three(pilot)
                pilot.app.query_one(DataGrid).move_cursor(row=1, column=0)
                await pilot.press("plus")  # a duplicate, undone at once
                await until(pilot, lambda: "4 changes: 1 edited, 2 inserted" in pane.query_one("#browse-changes").text)
                await pilot.press("ctrl+z")
                await until(pilot, lambda: "3 changes" in pane.query_one("#browse-changes").text)
                await edit_cell(pilot, 30, 0, *"99", "enter")  # the new row's id
                await pilot.press("ctrl+z")  # undo takes the id back; the new row stays
                await until(pilot, lambda: pane.edits.change_sets["public.things"].inserts[0].cells == {})
                await edit_cell(pilot, 30, 0, *"99", "enter")
                await edit_cell(pilot, 30, 3, "down", "down", "enter")  # an enum: picked from its labels
                await pilot.press("ctrl+s")
                await until(pilot, lambda: isinstance(app.screen, ChangesReview))
                await pilot.press("y")  # not enough on production (typed into the name)
                await pilot.pause(0.1)
                assert isinstance(app.screen, ChangesReview)
                await pilot.press(*"prod-dx", "enter")
                await pilot.pause(0.1)
                assert isinstance(app.screen, ChangesReview)
                assert things.execute("SELECT count(*) FROM things WHERE label = 'renamed'").fetchone() == (0,)
                await pilot.press(*["backspace"] * 8, *"prod-db", "enter")
                await until(pilot, lambda: not pane.edits.saving and not isinstance(app.screen, ChangesReview))
                await until(pilot, lambda: pane.query_one("#browse-changes").text == "" and not pane._busy)
        finally:
            database.close()
        assert things.execute("SELECT id, label, note FROM things WHERE id IN (1, 3, 99) ORDER BY id").fetchall() \
            == [(1, "renamed", None), (99, None, "fresh")]
        assert things.execute("SELECT feel::text FROM things WHERE id = 99").fetchone() == ("happy",)

    asyncio.run(run())


def test_a_bad_value_is_marked_and_a_failed_save_changes_nothing(
        things: psycopg.Connection[Any], socket_profile: Profile) -> None:
    async def run() -> None:
        app, database = make_app(socket_profile)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                pane = await open_table(pilot, "things")
                await edit_cell(pilot, 1, 2, "ctrl+a", "ctrl+k", *"lots", "enter")
                await until(pilot, lambda: "invalid input syntax" in pane._status_text)
                assert "1 refused by the server" in pane.query_one("#browse-changes").text
                await edit_cell(pilot, 0, 1, "ctrl+a", "ctrl+k", *"changed", "enter")
                pilot.app.query_one(DataGrid).move_cursor(row=0, column=5)
                await pilot.press("e")  # JSON: the multi-line editor, checked before it is staged
                await until(pilot, lambda: isinstance(app.screen, CellEditor))
                assert app.screen.query_one(TextArea).text == '{\n  "n": 1\n}'
                app.screen.query_one(TextArea).text = '{"n": '
                await pilot.press("ctrl+s")
                await until(pilot, lambda: "not valid JSON" in str(app.screen.query_one("#cell-error").render()))
                app.screen.query_one(TextArea).text = '{"n": 2}'
                await pilot.press("ctrl+s")
                await until(pilot, lambda: not isinstance(app.screen, CellEditor))
                await pilot.press("ctrl+s")
                await until(pilot, lambda: isinstance(app.screen, ChangesReview))
                await pilot.press("y", "enter")  # not production, still not one key: the word is typed
                await pilot.pause(0.1)
                assert "does not match" in str(app.screen.query_one("#changes-error").render())
                await pilot.press("ctrl+a", "ctrl+k", *"apply", "enter")
                await until(pilot, lambda: isinstance(app.screen, MessageScreen))
                assert "invalid input syntax for type numeric" in app.screen.body
                await pilot.press("escape")
                assert "2 changes" in pane.query_one("#browse-changes").text  # kept (2 rows edited)
        finally:
            database.close()
        assert things.execute("SELECT label, qty FROM things WHERE id IN (1, 2) ORDER BY id").fetchall() == [
            ("thing 1", 1.5), ("thing 2", 3)]

    asyncio.run(run())


def test_bytea_typed_as_hex_and_bad_hex_marked_at_the_cell(things: psycopg.Connection[Any],
                                                           socket_profile: Profile) -> None:
    things.execute("CREATE TABLE blobs (id int PRIMARY KEY, raw bytea); INSERT INTO blobs VALUES (1, NULL), (2, NULL)")

    async def run() -> None:
        app, database = make_app(socket_profile)
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                pane = await open_table(pilot, "blobs")
                await edit_cell(pilot, 0, 1, *"caf", "enter")
                await until(pilot, lambda: "odd number of digits (3)" in pane._status_text)
                assert "1 refused" in pane.query_one("#browse-changes").text  # staged, marked
                await edit_cell(pilot, 0, 1, "ctrl+a", "ctrl+k", *"cafe", "enter")
                await edit_cell(pilot, 1, 1, *"\\x00FF", "enter")
                await pilot.press("ctrl+s")
                await until(pilot, lambda: isinstance(app.screen, ChangesReview))
                await pilot.press(*"apply", "enter")
                await until(pilot, lambda: pane.edits.change_sets["public.blobs"].empty)  # applied
        finally:
            database.close()
        assert things.execute("SELECT raw FROM blobs ORDER BY id").fetchall() == [(b"\xca\xfe",), (b"\x00\xff",)]

    asyncio.run(run())


@pytest.fixture
def snap_app(things: psycopg.Connection[Any], socket_profile: Profile) -> Iterator[EditApp]:
    app, database = make_app(socket_profile)
    yield app
    database.close()


async def staged_directly(pilot) -> BrowsePane:  # type: ignore[no-untyped-def]
    """The same three changes as `stage_three`, staged without typing (the keys are tested above)."""
    pane = await open_table(pilot, "things")
    database = pilot.app.database
    target = await asyncio.to_thread(edit_target, pane.source, pane.relation, database.profile, database.info)
    pane.edits.targets["public.things"] = target
    changes = pane.edits.change_sets["public.things"] = ChangeSet(target)
    page = pane.pager.page
    changes.edit_cell(seen_on_page(page, 0, 1), "label", "renamed")
    changes.edit_cell(seen_on_page(page, 0, 1), "note", None)
    changes.toggle_delete(seen_on_page(page, 2, 1))
    changes.insert_row()
    pane.post_message(EditSession.Changed())
    await until(pilot, lambda: "3 changes" in pane.query_one("#browse-changes").text)
    return pane


@pytest.mark.parametrize("size", SIZES)
def test_staged_changes_snapshot(snap_compare, snap_app: EditApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await staged_directly(pilot)
        pilot.app.query_one(DataGrid).move_cursor(row=1, column=1)
        await pilot.pause(0.1)

    assert snap_compare(snap_app, run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_sql_preview_snapshot(snap_compare, snap_app: EditApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await staged_directly(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(pilot.app.screen, ChangesReview))
        await pilot.pause(0.1)

    assert snap_compare(snap_app, run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_refusal_snapshot(snap_compare, snap_app: EditApp, size: tuple[int, int]) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        pane = await open_table(pilot, "heap")
        await pilot.press("e")
        await until(pilot, lambda: "no primary key" in pane._status_text)
        await pilot.pause(0.1)

    assert snap_compare(snap_app, run_before=run, terminal_size=size)


def test_leaving_the_workspace_asks_about_staged_edits(things: psycopg.Connection[Any], socket_profile: Profile,
                                                       profiles_file: Path, memory_keyring: Any) -> None:
    from helpers.apps import make_app as make_bastion
    from helpers.apps import wait_for_screen

    from tui.screens.picker import PickerScreen
    from tui.screens.workspace import WorkspaceScreen
    from tui.widgets.dialogs.confirm import ConfirmScreen

    async def run() -> None:
        app = make_bastion(profiles_file, socket_profile, start=socket_profile)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_screen(pilot, WorkspaceScreen)
            await until(pilot, lambda: bool(app.screen.query(BrowsePane)))
            pane = await open_table(pilot, "things")
            pane.focus_default()
            await pilot.press("i")
            await until(pilot, lambda: "1 change" in pane.query_one("#browse-changes").text)
            await pilot.press("ctrl+o")
            await wait_for_screen(pilot, ConfirmScreen)
            assert "public.things: 1 change: 1 inserted" in app.screen.body
            await pilot.press("n")  # stay: the edits are kept
            await wait_for_screen(pilot, WorkspaceScreen)
            assert "1 change" in pane.query_one("#browse-changes").text
            await pilot.press("ctrl+o")
            await wait_for_screen(pilot, ConfirmScreen)
            await pilot.press("y")
            await wait_for_screen(pilot, PickerScreen)

    asyncio.run(run())
