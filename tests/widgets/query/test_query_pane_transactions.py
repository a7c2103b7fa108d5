"""Transactions in the Query pane, driven like a user on the real PostgreSQL:
manual commit, commit / roll back read back from another connection, leaving with
a transaction open (quit, the profiles, another profile, reconnect), a lost
connection, and the snapshots of the pane in a transaction and of the prompt."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from helpers.apps import make_app
from helpers.pilot import until
from helpers.query_pane_app import PaneApp

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.screens.picker import PickerScreen
from tui.screens.workspace import WorkspaceScreen
from tui.services.query import transaction
from tui.services.query.commit_mode import manual_commit, remember_manual_commit
from tui.widgets.connection_header import ConnectionHeader
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.query.pane import QueryPane
from tui.widgets.query.transaction_prompt import TransactionPrompt

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
TOTAL = "select sum(n) from items"



@pytest.fixture
def items(pg_cluster: LocalCluster, socket_profile: Profile, monkeypatch: pytest.MonkeyPatch):
    """Five rows (n = 1..5, sum 15) and another connection to read them back."""
    monkeypatch.setattr(transaction, "clock", lambda: datetime(2026, 1, 2, 8, 12, 3))
    monkeypatch.setattr(QueryPane, "timings", False)
    check = psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True)
    check.execute("create table items (id int primary key, n int);"
                  "insert into items select g, g from generate_series(1, 5) g")
    yield check
    check.close()


@pytest.fixture
def database(items, socket_profile: Profile):
    database = open_database(socket_profile)
    yield database
    database.close()


def total(check) -> int:
    return check.execute(TOTAL).fetchone()[0]


async def run_sql(pilot, sql: str, wait: bool = True) -> None:
    pane = pilot.app.screen.query_one(QueryPane)
    await until(pilot, lambda: bool(pane.query("#sql-editor")))
    pane.editor.text = sql
    pane.editor.cursor_location = (0, 0)
    pane.editor.focus()
    pane.outcomes = []
    await pilot.press("ctrl+j")
    if wait:
        await until(pilot, lambda: not pane.running and bool(pane.outcomes), timeout=10)


def messages(pane: QueryPane) -> str:
    return "\n".join(line.text for line in pane.query_one("#query-messages").lines)


async def test_manual_commit_mode_commit_and_roll_back(items, database, socket_profile: Profile) -> None:
    app = PaneApp(database, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(QueryPane)
        assert not pane.transactions.state.manual  # not production: autocommit by default
        await pilot.press("ctrl+n")
        await until(pilot, lambda: manual_commit(socket_profile.name, False))  # remembered
        await run_sql(pilot, "update items set n = n + 10 where id <= 3")
        assert "UPDATE 3 rows — commit (f10) / roll back (f12)?" in messages(pane)
        assert "in transaction since 08:12:03 (1 statement)" in str(pane.query_one("#query-status").render())
        assert total(items) == 15  # nothing committed yet
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransactionPrompt))
        for stray in ("y", "enter", "escape"):  # never a commit: esc stays
            await pilot.press(stray)
        await until(pilot, lambda: not isinstance(app.screen, TransactionPrompt))
        assert pane.transaction_open() and total(items) == 15
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransactionPrompt))
        await pilot.press("c")
        await until(pilot, lambda: not pane.transaction_open())
        assert total(items) == 45 and "Committed: 1 statement since 08:12:03: UPDATE 3 rows." in messages(pane)
        await run_sql(pilot, "delete from items where id = 5")
        await pilot.press("f12")
        await until(pilot, lambda: not pane.transaction_open())
        assert total(items) == 45 and "Rolled back" in messages(pane)
        # A typed COMMIT asks too: n keeps the transaction open.
        await run_sql(pilot, "delete from items where id = 4")
        await run_sql(pilot, "commit", wait=False)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: not pane.running)
        assert pane.transaction_open() and total(items) == 45
        await pilot.press("f12")
        await until(pilot, lambda: not pane.transaction_open())


async def test_production_commit_of_a_large_change_needs_the_name_typed(items, database,
                                                                       socket_profile: Profile) -> None:
    app = PaneApp(database, socket_profile.with_changes(name="prod", production=True))  # manual by default
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(QueryPane)
        await run_sql(pilot, "insert into items select g, 0 from generate_series(6, 1200) g", wait=False)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")  # the write question: it runs, in the open transaction
        await until(pilot, lambda: not pane.running and pane.transaction_open(), timeout=10)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransactionPrompt))
        await pilot.press("c", "enter")  # typed into the name: no commit
        assert isinstance(app.screen, TransactionPrompt) and "does not match" in str(
            app.screen.query_one("#transaction-error").render())
        await pilot.press("backspace", *"prod", "enter")
        await until(pilot, lambda: not pane.transaction_open())
        assert items.execute("select count(*) from items").fetchone()[0] == 1200


async def test_a_lost_connection_says_the_server_rolled_back(items, database, socket_profile: Profile) -> None:
    remember_manual_commit(socket_profile.name, True)
    app = PaneApp(database, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = app.query_one(QueryPane)
        await run_sql(pilot, "update items set n = 0 where id = 1")
        pid = pane.sessions.session.conn.info.backend_pid
        items.execute("select pg_terminate_backend(%s)", (pid,))
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, TransactionPrompt))
        await pilot.press("c")
        await until(pilot, lambda: "rolled the transaction back" in messages(pane))
        assert not pane.transaction_open() and total(items) == 15
        # Lost while idle in the transaction, noticed when the workspace reconnects.
        await run_sql(pilot, "update items set n = 0 where id = 2")
        items.execute("select pg_terminate_backend(%s)", (pane.sessions.session.conn.info.backend_pid,))
        pane.link_restored()
        await until(pilot, lambda: not pane.transaction_open())
        assert "the server rolled it back" in messages(pane) and total(items) == 15


@pytest.fixture
def workspace_app(items, profiles_file: Path, socket_profile: Profile):
    other = socket_profile.with_changes(name="other")
    for profile in (socket_profile, other):
        remember_manual_commit(profile.name, True)
    return make_app(profiles_file, socket_profile, other, start=socket_profile), other


async def open_transaction(pilot) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, WorkspaceScreen), timeout=10)
    await pilot.press("2")
    await until(pilot, lambda: bool(pilot.app.screen.query(QueryPane)))
    await run_sql(pilot, "update items set n = n + 100 where id = 1")
    header = pilot.app.screen.query_one(ConnectionHeader)
    await until(pilot, lambda: header.transaction == "IN TRANSACTION since 08:12:03 (1)")
    assert "IN TRANSACTION since 08:12:03 (1)" in str(header.render())


async def answer(pilot, key: str) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, TransactionPrompt))
    await pilot.press(key)


async def test_quit_asks_stay_then_commit(workspace_app, items) -> None:
    app, _ = workspace_app
    async with app.run_test(size=(100, 30)) as pilot:
        await open_transaction(pilot)
        await pilot.press("ctrl+q")
        await answer(pilot, "escape")  # stay
        await pilot.pause(0.1)
        assert app.is_running and isinstance(app.screen, WorkspaceScreen)
        await pilot.press("ctrl+q")
        await answer(pilot, "c")
        await until(pilot, lambda: not app.is_running, timeout=10)
    assert total(items) == 115


async def test_reconnect_switch_and_profiles_ask_then_roll_back_or_commit(workspace_app, items) -> None:
    app, other = workspace_app
    async with app.run_test(size=(100, 30)) as pilot:
        await open_transaction(pilot)
        app.action_reconnect()  # the palette's "Reconnect"
        await answer(pilot, "r")
        await until(pilot, lambda: not app.screen.query_one(QueryPane).transaction_open())
        assert total(items) == 15
        await open_transaction(pilot)
        app.connect(other)  # the palette's "Switch to …"
        await answer(pilot, "c")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen) and app.screen.profile.name == "other",
                    timeout=10)
        assert total(items) == 115
        await open_transaction(pilot)
        await pilot.press("ctrl+o")  # back to the profiles: the workspace (and its session) closes
        await answer(pilot, "r")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen), timeout=10)
        assert total(items) == 115


async def test_psql_connect_typed_in_the_editor_switches_database_asking_first(workspace_app, items) -> None:
    app, _ = workspace_app
    async with app.run_test(size=(100, 30)) as pilot:
        await open_transaction(pilot)
        await run_sql(pilot, "\\c postgres", wait=False)  # the workspace's switch: the open transaction first
        await answer(pilot, "r")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen)
                    and app.screen.profile.database == "postgres", timeout=10)
        assert total(items) == 15


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_pane_in_a_transaction(snap_compare, items, database, socket_profile, size) -> None:
    async def run(pilot) -> None:
        await run_sql(pilot, "update items set n = n + 1 where id > 1")
        await pilot.pause(0.2)

    remember_manual_commit("dev", True)
    database.info = dataclasses.replace(database.info, version="16.4")
    assert snap_compare(PaneApp(database, socket_profile.with_changes(name="dev")), run_before=run,
                        terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_commit_prompt(snap_compare, items, database, socket_profile, size) -> None:
    async def run(pilot) -> None:
        pane = pilot.app.query_one(QueryPane)
        await run_sql(pilot, "update items set n = n + 1 where id > 1", wait=False)
        await until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")  # the production write question
        await until(pilot, lambda: not pane.running and pane.transaction_open(), timeout=10)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(pilot.app.screen, TransactionPrompt))
        await pilot.pause(0.2)

    production = socket_profile.with_changes(name="prod", production=True)  # manual by default
    database.info = dataclasses.replace(database.info, version="16.4")
    assert snap_compare(PaneApp(database, production), run_before=run, terminal_size=size)
