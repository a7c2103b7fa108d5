"""The workspace on production topologies: PgBouncer's admin console opens the
pooler pane alone; a PostgreSQL server has the Server pane (key 5)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers.clusters import database_named
from helpers.pilot import until
from helpers.topology_rig import PgBouncer

from tui.app import BastionApp
from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.screens.workspace import WorkspaceScreen
from tui.services.pooler import Pool, PoolerSnapshot, Stats
from tui.settings import Settings
from tui.widgets.pooler import PoolerPane
from tui.widgets.server import ServerPane

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-topology-snapshots")



def app_in(folder: Path) -> BastionApp:
    return BastionApp(ProfileStore(folder / "profiles.yaml").load(), settings=Settings(), theme_name="bastion-dark",
                      environ={"TERM": "xterm-256color", "COLORTERM": "truecolor"})


def console_profile(pgbouncer: PgBouncer) -> Profile:
    return Profile(name="edge-pooler", host="127.0.0.1", port=pgbouncer.port, database="pgbouncer",
                   user=pgbouncer.user, password="keyring", sslmode="disable", production=True)


FIXED_SNAPSHOT = PoolerSnapshot(
    version="PgBouncer 1.18.0",
    pools=[Pool("pgbouncer", "pgbouncer", 1, 0, 0, 0, 0, 0.0, "statement"),
           Pool("shop", "app", 12, 7, 4, 0, 0, 2.4, "transaction"),
           Pool("reports", "app_ro", 2, 0, 1, 3, 0, 0.0, "transaction")],
    stats=[Stats("shop", 180.0, 450.0, 21.5, 8.1, 640.0), Stats("reports", 3.0, 9.0, 310.0, 120.0, 0.0)],
    databases=[{"name": "shop", "host": "db.internal.example", "port": 5432, "database": "shop", "pool_size": 4,
                "pool_mode": None, "max_connections": 0, "current_connections": 4, "paused": 0, "disabled": 0},
               {"name": "reports", "host": "db.internal.example", "port": 5432, "database": "reports",
                "pool_size": 4, "pool_mode": None, "max_connections": 0, "current_connections": 4, "paused": 1,
                "disabled": 0}],
)


async def test_admin_console_opens_the_pooler_pane(pgbouncer: PgBouncer, fixed_dir: Path,
                                                    memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.set_password("bastion", "edge-pooler", pgbouncer.password)
    app = app_in(fixed_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        app.connect(console_profile(pgbouncer))
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen), timeout=15)
        screen = app.screen
        assert isinstance(screen, WorkspaceScreen)
        assert screen.database.info.product.startswith("PgBouncer 1.")
        await until(pilot, lambda: bool(screen.query(PoolerPane)), timeout=10)
        assert not screen.query("#sidebar")
        pane = screen.query_one(PoolerPane)
        await until(pilot, lambda: pane.snapshot is not None, timeout=10)
        await pilot.press("1", "2", "5")  # panes this console does not have: nothing happens
        assert screen.query_one(PoolerPane) is pane


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_pooler_pane(snap_compare, pgbouncer: PgBouncer, fixed_dir: Path, size: tuple[int, int],
                              memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.set_password("bastion", "edge-pooler", pgbouncer.password)

    async def show(pilot) -> None:  # type: ignore[no-untyped-def]
        database = open_database(console_profile(pgbouncer), pgbouncer.password)
        database.info = dataclasses.replace(database.info, version="1.18.0")
        display = console_profile(pgbouncer).with_changes(host="pooler.internal.example", port=6432)
        await pilot.app.push_screen(WorkspaceScreen(display, database))
        pane = pilot.app.screen.query_one(PoolerPane)
        await until(pilot, lambda: pane.snapshot is not None, timeout=10)
        pane.poll_timer.stop()
        await until(pilot, lambda: not pane.ticking, timeout=10)
        await pilot.pause(0.2)  # the last tick's message is handled before the fixed figures go in
        pane.console.waiting_history.clear()  # type: ignore[union-attr]
        pane.console.waiting_history.extend([0, 0, 1, 3, 7, 5, 7])  # type: ignore[union-attr]
        pane.console.maxwait_history.clear()  # type: ignore[union-attr]
        pane.console.maxwait_history.extend([0, 0, 0.2, 1.1, 2.4, 1.9, 2.4])  # type: ignore[union-attr]
        pane.snapshot = FIXED_SNAPSHOT
        pane._show()
        pane.focus_default()
        await pilot.pause(0.3)

    assert snap_compare(app_in(fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_server_pane(snap_compare, pg_cluster: LocalCluster, fixed_dir: Path,
                              size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    with database_named(pg_cluster, "snapshot_server", "CREATE TABLE t (id int)") as profile:
        async def show(pilot) -> None:  # type: ignore[no-untyped-def]
            database = open_database(profile)
            database.info = dataclasses.replace(database.info, version="16.4")
            display = Profile(name="primary", host="db.internal.example", database="shop", user="ops")
            await pilot.app.push_screen(WorkspaceScreen(display, database))
            await pilot.press("5")
            await until(pilot, lambda: bool(pilot.app.screen.query(ServerPane))
                        and pilot.app.screen.query_one(ServerPane).report is not None, timeout=10)
            pilot.app.screen.query_one(ServerPane).poll_timer.stop()
            await pilot.pause(0.3)

        assert snap_compare(app_in(fixed_dir), run_before=show, terminal_size=size)
