"""The Activity pane in a tiny app, against a real PostgreSQL with real sessions."""
# ruff: noqa: F811  (the fixtures imported from test_activity_helpers are named as parameters)

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from helpers.activity_sessions import SessionFarm, admin, farm, lock_chain  # noqa: F401
from textual.app import App, ComposeResult
from textual.widgets import Footer

from tui.db import open_database
from tui.profiles import Profile
from tui.widgets.activity import ActivityPane
from tui.widgets.activity.detail import SessionDetailScreen
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.tree_table import BlockingTreeTable
from tui.widgets.dialogs.confirm import ConfirmScreen


class PaneApp(App[None]):
    """Just the pane and a footer."""

    def __init__(self, pane: ActivityPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        for table in self.pane.query(SessionTable):
            table.focus()


async def wait_for(pilot: Any, condition: Any, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


@pytest.fixture
def database(socket_profile: Profile):
    db = open_database(socket_profile)
    yield db
    db.close()


def apps_shown(pane: ActivityPane) -> set[str | None]:
    return {s.application_name for s in pane.query_one(SessionTable).sessions.values()}


async def test_sessions_tree_and_cancel_root(database, socket_profile: Profile, farm: SessionFarm, admin) -> None:
    pids = lock_chain(farm, admin)
    sleeper = farm.open("sleeper")
    farm.send(sleeper, "SELECT pg_sleep(60)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    pane = ActivityPane(database, socket_profile, interval=0.5)
    app = PaneApp(pane)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: {"sleeper", "chain-d"} <= apps_shown(pane))
        table = pane.query_one(SessionTable)
        # The cursor follows its session across refreshes.
        sleeper_key = next(k for k, s in table.sessions.items() if s.application_name == "sleeper")
        table.move_cursor(row=table.get_row_index(sleeper_key))
        ticks = pane.monitor.pulse.active_history.__len__()
        await wait_for(pilot, lambda: len(pane.monitor.pulse.active_history) >= ticks + 2)
        assert table.current_key == sleeper_key
        # idle hidden by default, shown with i
        farm.open("idler").execute("SELECT 1")
        await pilot.press("i")
        await wait_for(pilot, lambda: "idler" in apps_shown(pane))
        await pilot.press("i")
        assert "idler" not in apps_shown(pane)
        # filter line
        await pilot.press("slash", *"app:chain", "enter")
        assert apps_shown(pane) == {"chain-a", "chain-b", "chain-c", "chain-d"}
        # the tree, and cancel the root blocker from it (A idles: cancel does nothing, so terminate)
        await pilot.press("t")
        tree = pane.query_one(BlockingTreeTable)
        await wait_for(pilot, lambda: tree.current_root == pids["a"])
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert str(pids["a"]) in app.screen.body
        await pilot.press("y")
        await wait_for(pilot, lambda: not admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pids["a"],)).fetchone())
        # the chain moves on: B gets the row, so nobody waits on A any more
        await wait_for(pilot, lambda: pids["a"] not in tree.roots_by_row.values())
        # detail view, with the filter cleared
        await pilot.press("a", "slash", "end", "ctrl+u", "enter")
        assert "sleeper" in apps_shown(pane)
        table.move_cursor(row=table.get_row_index(sleeper_key))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen))
        assert app.screen.detail.session.application_name == "sleeper"
        await pilot.press("escape")
        # cancel the sleeper from the sessions table
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'sleeper' AND state = 'idle'").fetchone())


async def test_production_requires_typed_pid(database, socket_profile: Profile, farm: SessionFarm, admin) -> None:
    farm.send(farm.open("sleeper"), "SELECT pg_sleep(60)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    pane = ActivityPane(database, socket_profile.with_changes(production=True), interval=0.5)
    app = PaneApp(pane)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "sleeper" in apps_shown(pane))
        pane.display_state.filter = pane.display_state.filter.with_text("app:sleeper")
        pane._render_tick()
        await pilot.pause()
        pid = pane.query_one(SessionTable).current.pid
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.require_text == str(pid)
        await pilot.press("0", "enter")  # a wrong pid does nothing
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("backspace")
        await pilot.press(*str(pid), "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND state = 'idle'", (pid,)).fetchone())


async def test_unmount_closes_connections(database, socket_profile: Profile, admin) -> None:
    pane = ActivityPane(database, socket_profile, interval=0.5)
    app = PaneApp(pane)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: pane.last_tick is not None)
        poll_pid = pane.monitor.pid
        await pane.remove()
        await pilot.pause(0.3)
    for _ in range(100):
        if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (poll_pid,)).fetchone():
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the polling connection is still open")


async def test_sqlite_says_no_server_activity(tmp_path) -> None:
    import sqlite3

    sqlite3.connect(tmp_path / "x.db").close()
    db = open_database(Profile(name="lite", driver="sqlite", path=str(tmp_path / "x.db")))
    pane = ActivityPane(db, Profile(name="lite", driver="sqlite", path=str(tmp_path / "x.db")))
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "no server activity" in str(pane.query_one(".activity-none").render())
    db.close()


async def test_lost_connection_banner_and_reconnect(database, socket_profile: Profile, admin) -> None:
    pane = ActivityPane(database, socket_profile, interval=0.5)
    app = PaneApp(pane)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: pane.last_tick is not None)
        history = len(pane.monitor.pulse.active_history)
        old_pid = pane.monitor.pid
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
        banner = pane.query_one("#activity-banner")
        await wait_for(pilot, lambda: "Connection lost" in str(banner.render()))
        # back after the backoff, with the history kept
        await wait_for(pilot, lambda: pane.monitor.pid not in (None, old_pid) and not banner.has_class("-shown"))
        assert len(pane.monitor.pulse.active_history) >= history
