"""The fleet screen: real servers polled from the app, keys a person would press."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.pilot import until
from helpers.topology_rig import PgBouncer, Replica
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
# Sixteen databases of the suite's cluster, three of them in group `eu`.
EU = ("billing", "orders", "shop")
# The host that refuses sorts first: its row is the highlighted one, and its detail line has no port.
NAMES = ("audit", "billing", "catalog", "crm", "events", "inventory", "ledger", "mail", "orders",
         "payments", "reports", "search", "shop", "tickets", "users", "warehouse")


@pytest.fixture(scope="module")
def fleet_databases(pg_cluster: LocalCluster) -> Iterator[None]:
    """The sixteen databases, created once for the module's tests."""
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in NAMES:
            database = sql.Identifier(f"fleet_{name}")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(database))
    yield
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in NAMES:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(f"fleet_{name}")))


@pytest.fixture
def fleet_profiles(pg_cluster: LocalCluster, pg_replica: Replica, pgbouncer: PgBouncer, fleet_databases: None,
                   fixed_dir: Path, memory_keyring) -> Path:  # type: ignore[no-untyped-def]
    """A profiles file of twenty: sixteen databases of the suite's cluster (groups
    `eu` and `us`), its streaming replica, PgBouncer's admin console, a host that
    refuses (group `us`) and an SQLite file."""
    with sqlite3.connect(FIXED_DIR / "cache.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    lines = ["profiles:"]
    for name in NAMES:
        lines += [f"  {name}:", f"    host: {pg_cluster.socket_dir}", f"    port: {pg_cluster.port}",
                  f"    database: fleet_{name}", f"    user: {pg_cluster.superuser}", "    password: none",
                  f"    group: {'eu' if name in EU else 'us'}"]
    replica = pg_replica.cluster
    lines += ["  archive:", "    host: 127.0.0.1", "    port: 1", "    database: archive", "    user: ops",
              "    password: none", "    group: us",
              "  cache:", "    driver: sqlite", f"    path: {FIXED_DIR / 'cache.db'}",
              "  replica:", f"    host: {replica.socket_dir}", f"    port: {replica.port}", "    database: postgres",
              f"    user: {replica.superuser}", "    password: none",
              "  pooler:", "    host: 127.0.0.1", f"    port: {pgbouncer.port}", "    database: pgbouncer",
              f"    user: {pgbouncer.user}", "    password: keyring"]
    memory_keyring.set_password("bastion", "pooler", pgbouncer.password)
    path = FIXED_DIR / "profiles.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


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
        assert len(rows) == 20
        assert {n: r.status for n, r in rows.items()} == {
            **{name: "ok" for name in NAMES}, "archive": "error", "cache": "ok", "replica": "ok", "pooler": "ok"}
        assert {n: r.role for n, r in rows.items() if n not in NAMES} == {
            "archive": "", "cache": "sqlite", "replica": "standby", "pooler": "pooler"}
        assert {rows[name].role for name in NAMES} == {"primary"}
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
        assert sorted(r.name for r in fleet(app).rows) == list(EU)
        await pilot.press("escape")
        assert not isinstance(app.screen, FleetScreen)


def test_cli_group_that_names_nothing(fleet_profiles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # As an option or as the argument (`bastion fleet eu`): the same group.
    for argv in (["--group", "apac"], ["apac"], ["apac", "--group", "apac"]):
        assert main(["fleet", "--profiles", str(fleet_profiles), *argv]) == 2
        assert "No profile is in group 'apac'. Groups in the profiles: eu, us." in capsys.readouterr().err
    assert main(["fleet", "--profiles", str(fleet_profiles), "eu", "--group", "us"]) == 2
    assert "two groups given (eu and --group us): give one" in capsys.readouterr().err


def _masked(row: FleetRow) -> FleetRow:
    """Figures a busy machine changes between runs, fixed for the snapshot."""
    if row.status != "ok":
        return row
    if row.role == "sqlite":
        return dataclasses.replace(row, version="3", size=8192.0)
    if row.role == "pooler":
        return dataclasses.replace(row, version="1.18.0", sessions=2, active=0, waiting=0, longest_xact_s=None,
                                   tps=3.0, tps_history=[1, 2, 3, 2, 3])
    return dataclasses.replace(row, version="15", sessions=4, max_connections=100, active=1, waiting=0,
                               longest_xact_s=None, lag_s=0.0 if row.role == "standby" else None, tps=12.5,
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
