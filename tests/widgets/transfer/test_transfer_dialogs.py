"""The dump, restore and import dialogs: driven from the workspace's keys on a
real SQLite file, and pinned with progress at 80x24 and 120x40 on a real PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.apps import make_app, wait_for_screen
from helpers.pilot import until
from textual.app import App
from textual.widgets import Input, Static

import tui
from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.screens.workspace import WorkspaceScreen
from tui.services.transfer import TransferProgress
from tui.widgets.browse import BrowsePane
from tui.widgets.catalog_tree import CatalogTree
from tui.widgets.transfer.copy_file_dialog import CopyFileDialog
from tui.widgets.transfer.dump_dialog import DumpDialog
from tui.widgets.transfer.import_dialog import ImportDialog
from tui.widgets.transfer.job_dialog import TransferJobDialog
from tui.widgets.transfer.restore_dialog import RestoreDialog

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = "/tmp/bastion-transfer-dialog-snapshots"
# What the dialogs show of the profile: fixed (the suite's server has a random port).
SHOWN = Profile(name="shop", host="db.internal", port=5432, database="shop", user="app")


class DialogApp(App[None]):
    """Nothing but the dialog, over a real database."""

    CSS_PATH = Path(tui.__file__).resolve().parent / "bastion.tcss"

    def __init__(self, dialog: TransferJobDialog | CopyFileDialog) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.push_screen(self.dialog)


@pytest.fixture
def people(pg_cluster: LocalCluster, socket_profile: Profile) -> Iterator[Database]:
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE people (id int PRIMARY KEY, name text NOT NULL, city text, note text)")
    database = open_database(socket_profile)
    yield database
    database.close()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_dump_in_progress(snap_compare, people: Database, fixed_dir: Path, size) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        dialog = pilot.app.dialog
        await until(pilot, lambda: dialog.is_attached and dialog.query("#dump-path"))
        dialog.query_one("#dump-path", Input).value = f"{FIXED_DIR}/shop.dump"
        dialog.show_running()
        dialog.show_progress(TransferProgress("dumping sales.orders", 2, 3, 1_234_567))
        await pilot.pause(0.1)

    assert snap_compare(DialogApp(DumpDialog(SHOWN, people, folder=fixed_dir)), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_restore_into_production_in_progress(snap_compare, people: Database, fixed_dir: Path,
                                                      size) -> None:
    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        dialog = pilot.app.dialog
        await until(pilot, lambda: dialog.is_attached and dialog.query("#job-typed-name"))
        dialog.query_one("#job-typed-name", Input).value = "shop"
        dialog.show_running()
        dialog.show_progress(TransferProgress("restoring sales.orders", 5, 8))
        await pilot.pause(0.1)

    dialog = RestoreDialog(SHOWN.with_changes(production=True), people, path=fixed_dir / "shop.dump")
    assert snap_compare(DialogApp(dialog), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_import_preview_then_progress(snap_compare, people: Database, fixed_dir: Path, size) -> None:
    csv = fixed_dir / "people.csv"
    csv.write_text("name;id;junk;city\nAda Lovelace;1;x;London\nAlan Turing;2;y;Wilmslow\n"
                   "Grace Hopper;3;z;\"New York\"\n")

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        dialog = pilot.app.dialog
        await until(pilot, lambda: dialog.is_attached and dialog.query("#import-columns"))
        dialog.query_one("#import-columns", Input).value = "name,id,-,city"
        dialog.preview()
        await until(pilot, lambda: dialog.plan is not None and dialog.plan.skips_columns)
        dialog.show_running()
        dialog.show_progress(TransferProgress("importing into public.people", 40_000, None, 2_400_000,
                                              6_000_000, unit="rows"))
        await pilot.pause(0.1)

    dialog = ImportDialog(SHOWN, people, "public", "people", path=csv)
    assert snap_compare(DialogApp(dialog), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_copy_to_stdout_asks_for_a_new_file(snap_compare, fixed_dir: Path, size) -> None:
    (fixed_dir / "taken.csv").write_text("x\n")

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        dialog = pilot.app.dialog
        await until(pilot, lambda: dialog.is_attached and dialog.query("#copy-path"))
        dialog.query_one("#copy-path", Input).value = f"{FIXED_DIR}/taken.csv"
        await pilot.press("enter")
        await until(pilot, lambda: "exists" in str(dialog.query_one("#copy-error", Static).render()))

    assert snap_compare(DialogApp(CopyFileDialog("to")), run_before=run, terminal_size=size)


async def test_dump_import_and_restore_from_the_workspace_keys(tmp_path: Path, profiles_file: Path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC)")
        conn.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 10")
    (tmp_path / "orders.csv").write_text("id,total\n1,9.5\n2,12\n")
    profile = Profile(name="shop", driver="sqlite", path=str(db))
    app = make_app(profiles_file, profile, start=profile)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await until(pilot, lambda: app.screen.query(CatalogTree))
        await pilot.press("D")
        await wait_for_screen(pilot, DumpDialog)
        dialog = app.screen
        dialog.query_one("#dump-path", Input).value = str(tmp_path / "backup.sqlite3")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: dialog.state == "done")
        assert str(dialog.query_one("#job-result", Static).render()).startswith(f"Written to {tmp_path}/backup")
        assert (tmp_path / "backup.sqlite3").stat().st_mode & 0o777 == 0o600
        await pilot.press("escape")

        await until(pilot, lambda: app.screen.query(CatalogTree))
        tree = app.screen.query_one(CatalogTree)
        await until(pilot, lambda: any(n.data and n.data.name == "orders" for n in tree.root.children))
        tree.move_cursor(next(n for n in tree.root.children if n.data and n.data.name == "big_orders"))
        tree.focus()
        await pilot.press("M")
        await until(pilot, lambda: "big_orders is a view, not a table" in " ".join(str(n.message)
                                                                                    for n in app._notifications))
        tree.move_cursor(next(n for n in tree.root.children if n.data and n.data.name == "orders"))
        await pilot.press("M")
        await wait_for_screen(pilot, ImportDialog)
        dialog = app.screen
        dialog.query_one("#import-path", Input).value = str(tmp_path / "orders.csv")
        dialog.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: dialog.plan is not None)
        await pilot.press("enter")
        await until(pilot, lambda: dialog.state == "done")
        assert str(dialog.query_one("#job-result", Static).render()) == \
            "Imported 2 rows into orders (one transaction, committed)."
        await pilot.press("escape")

        await pilot.press("L")
        await wait_for_screen(pilot, RestoreDialog)
        dialog = app.screen
        dialog.query_one("#restore-path", Input).value = str(tmp_path / "backup.sqlite3")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: dialog.state == "done")
        await pilot.press("escape")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (0,)  # the backup was taken before


async def test_restore_into_production_wants_the_typed_name_and_read_only_is_refused(people: Database,
                                                                                       tmp_path: Path) -> None:
    dump = tmp_path / "x.sql"
    dump.write_text("-- PostgreSQL database dump\nSELECT 1;\n")
    app = DialogApp(RestoreDialog(SHOWN.with_changes(production=True), people, path=dump))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.dialog.is_attached and app.dialog.query("#job-typed-name"))
        await pilot.press("ctrl+s")
        assert str(app.dialog.query_one("#job-error", Static).render()).startswith("Type 'shop' to confirm")
        assert app.dialog.state == "form"
    app = DialogApp(RestoreDialog(SHOWN.with_changes(read_only=True), people, path=dump))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.dialog.is_attached and app.dialog.state == "done")
        assert "'shop' is read-only" in str(app.dialog.query_one("#job-error", Static).render())


async def test_esc_cancels_a_running_dump_and_leaves_no_file(people: Database, pg_cluster: LocalCluster,
                                                             socket_profile: Profile, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASTION_PG_BINDIR", str(pg_cluster.bindir))
    app = DialogApp(DumpDialog(SHOWN, people, folder=tmp_path))
    # A lock holds pg_dump at the table until esc stops it.
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or "")) as blocker:
        blocker.execute("LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
        async with app.run_test(size=(100, 30)) as pilot:
            dialog = app.dialog
            await until(pilot, lambda: dialog.is_attached and dialog.query("#dump-path"))
            dialog.query_one("#dump-path", Input).value = str(tmp_path / "held.dump")
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "starting" not in str(dialog.query_one("#job-progress", Static).render()))
            await pilot.press("escape")
            await until(pilot, lambda: dialog.state == "done")
            assert str(dialog.query_one("#job-result", Static).render()) == "Cancelled: nothing was kept."
        blocker.rollback()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


async def test_m_imports_into_the_table_browse_shows_not_the_sidebars_cursor(tmp_path: Path,
                                                                            profiles_file: Path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC)")
    profile = Profile(name="shop", driver="sqlite", path=str(db))
    app = make_app(profiles_file, profile, start=profile)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await until(pilot, lambda: app.screen.query(CatalogTree))
        tree = app.screen.query_one(CatalogTree)
        await until(pilot, lambda: any(n.data and n.data.name == "orders" for n in tree.root.children))

        def node(name: str):  # type: ignore[no-untyped-def]
            return next(n for n in tree.root.children if n.data and n.data.name == name)

        tree.move_cursor(node("orders"))
        tree.focus()
        await pilot.press("enter")  # orders opens in Browse
        browse = app.screen.query_one(BrowsePane)
        await until(pilot, lambda: browse.relation is not None and browse.relation.name == "orders")
        tree.move_cursor(node("notes"))  # the sidebar's cursor moves on, Browse still shows orders
        app.screen.set_focus(None)
        await pilot.press("M")
        await wait_for_screen(pilot, ImportDialog)
        assert app.screen.table == "orders"
        await pilot.press("escape")
        await wait_for_screen(pilot, WorkspaceScreen)

        tree.focus()  # from the sidebar: the table under its cursor
        await pilot.press("M")
        await wait_for_screen(pilot, ImportDialog)
        assert app.screen.table == "notes"


async def test_import_with_another_quote_and_into_a_missing_table(people: Database, tmp_path: Path) -> None:
    csv = tmp_path / "quoted.csv"
    csv.write_text("id,name,city\n1,'Lovelace, Ada',London\n2,'Turing, Alan',Wilmslow\n")
    app = DialogApp(ImportDialog(SHOWN, people, "public", "people", path=csv))
    async with app.run_test(size=(100, 30)) as pilot:
        dialog = app.dialog
        await until(pilot, lambda: dialog.is_attached and dialog.plan is not None)
        dialog.query_one("#import-quote", Input).value = "''"
        dialog.query_one("#import-quote", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Quote: one character" in str(dialog.query_one("#job-error", Static).render()))
        dialog.query_one("#import-quote", Input).value = "'"
        await pilot.press("enter")
        await until(pilot, lambda: dialog.plan is not None and dialog.plan.quote == "'")
        assert dialog.plan.mapped_preview() == [["1", "Lovelace, Ada", "London"], ["2", "Turing, Alan", "Wilmslow"]]
        await pilot.press("enter")
        await until(pilot, lambda: dialog.state == "done")
        assert str(dialog.query_one("#job-result", Static).render()).startswith("Imported 2 rows into public.people")
    assert [tuple(row.values()) for row in people.read_rows("SELECT id, name FROM people ORDER BY id")] == \
        [(1, "Lovelace, Ada"), (2, "Turing, Alan")]

    app = DialogApp(ImportDialog(SHOWN, people, "public", "nosuch", path=csv))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "no such table" in str(app.dialog.query_one("#job-error", Static).render()))
        assert str(app.dialog.query_one("#job-error", Static).render()) == \
            "public.nosuch: no such table, or no columns to fill."
