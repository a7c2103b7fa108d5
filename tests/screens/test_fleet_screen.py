"""The fleet screen: real servers polled from the app, keys a person would press."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.pilot import until
from psycopg import sql

from tui.app import BastionApp
from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import ProfileStore
from tui.screens.connect import ConnectScreen
from tui.screens.fleet import FleetScreen
from tui.services.fleet import FleetRow
from tui.settings import Settings

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-fleet-snapshots")
NAMES = ("fleet_billing", "fleet_orders", "fleet_shop")


@pytest.fixture
def fleet_profiles(pg_cluster: LocalCluster, fixed_dir: Path) -> Iterator[Path]:
    """A profiles file: three databases of the suite's cluster (group `eu`), a
    host that refuses, an SQLite file."""
    with sqlite3.connect(FIXED_DIR / "cache.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in NAMES:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    lines = ["profiles:"]
    for name in NAMES:
        short = name.removeprefix("fleet_")
        lines += [f"  {short}:", f"    host: {pg_cluster.socket_dir}", f"    port: {pg_cluster.port}",
                  f"    database: {name}", f"    user: {pg_cluster.superuser}", "    password: none",
                  "    group: eu"]
    lines += ["  archive:", "    host: 127.0.0.1", "    port: 1", "    database: archive", "    user: ops",
              "    password: none", "    group: us",
              "  cache:", "    driver: sqlite", f"    path: {FIXED_DIR / 'cache.db'}"]
    path = FIXED_DIR / "profiles.yaml"
    path.write_text("\n".join(lines) + "\n")
    yield path
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in NAMES:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def fleet_app(path: Path, group: str | None = None) -> BastionApp:
    return BastionApp(ProfileStore(path).load(), settings=Settings(), theme_name="bastion-dark",
                      environ={"TERM": "xterm-256color", "COLORTERM": "truecolor"},
                      start_fleet=True, fleet_group=group)


def fleet(app: BastionApp) -> FleetScreen:
    screen = app.screen
    assert isinstance(screen, FleetScreen)
    return screen


async def test_fleet_polls_every_profile(fleet_profiles: Path) -> None:
    app = fleet_app(fleet_profiles)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and fleet(app).polls >= 1, timeout=15)
        rows = {row.name: row for row in fleet(app).rows}
        assert {n: r.status for n, r in rows.items()} == {
            "billing": "ok", "orders": "ok", "shop": "ok", "archive": "error", "cache": "ok"}
        assert rows["shop"].role == "primary" and rows["cache"].role == "sqlite"
        assert "refused" in rows["archive"].reason.lower()
        # Problems first when sorted by status.
        while fleet(app).sort_column != "status":
            await pilot.press("o")
        assert fleet(app).visible_rows()[0].name == "archive"
        # Filter, then open the highlighted server.
        await pilot.press("slash", *"bill", "enter")
        assert [r.name for r in fleet(app).visible_rows()] == ["billing"]
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, FleetScreen), timeout=10)
        assert isinstance(app.screen, ConnectScreen) or app.screen.__class__.__name__ == "WorkspaceScreen"


async def test_fleet_of_one_group(fleet_profiles: Path) -> None:
    app = fleet_app(fleet_profiles, group="eu")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and fleet(app).polls >= 1, timeout=15)
        assert sorted(r.name for r in fleet(app).rows) == ["billing", "orders", "shop"]
        await pilot.press("escape")
        assert not isinstance(app.screen, FleetScreen)


def test_cli_group_that_names_nothing(fleet_profiles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--profiles", str(fleet_profiles), "--group", "apac"]) == 2
    assert "No profile is in group 'apac'. Groups in the profiles: eu, us." in capsys.readouterr().err


def _masked(row: FleetRow) -> FleetRow:
    """Figures a busy machine changes between runs, fixed for the snapshot."""
    if row.status != "ok":
        return row
    if row.role == "sqlite":
        return dataclasses.replace(row, version="3", size=8192.0)
    return dataclasses.replace(row, version="15", sessions=4, max_connections=100, active=1, waiting=0,
                               longest_xact_s=None, lag_s=None, tps=12.5,
                               tps_history=[3, 5, 8, 12, 9, 14, 12.5], size=7_700_000.0)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_fleet(snap_compare, fleet_profiles: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def polled(pilot) -> None:  # type: ignore[no-untyped-def]
        app = pilot.app
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and fleet(app).polls >= 1, timeout=15)
        screen = fleet(app)
        screen.poll_timer.stop()  # no further poll: the figures stay as masked
        await until(pilot, lambda: not screen.polling, timeout=10)
        screen.rows = [_masked(row) for row in screen.rows]
        screen._show()
        await pilot.pause()

    assert snap_compare(fleet_app(fleet_profiles), run_before=polled, terminal_size=size)


async def test_the_session_profile_is_in_the_fleet(socket_profile, profiles_file: Path) -> None:  # type: ignore[no-untyped-def]
    # The demo (or a URL) is no profile of the file, and the fleet still watches it.
    app = BastionApp(ProfileStore(profiles_file).load(), settings=Settings(), start_profile=socket_profile)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.__class__.__name__ == "WorkspaceScreen", timeout=15)
        app.action_fleet()
        await until(pilot, lambda: isinstance(app.screen, FleetScreen) and fleet(app).polls >= 1, timeout=15)
        assert [(r.name, r.status) for r in fleet(app).rows] == [(socket_profile.name, "ok")]
