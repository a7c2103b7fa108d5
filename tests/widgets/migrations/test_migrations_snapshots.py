"""The Migrations pane pinned at 80x24 and 120x40: at head, pending with branches,
an unknown revision, other tools detected, a revision's details.

The pane is mounted alone on a screen of the real app (theme and stylesheet), so
these do not depend on the other panes. Paths live in a fixed folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.alembic_projects import BRANCHED, alembic, pg_url, write_project
from helpers.migration_tables import PG_TOOLS
from helpers.migrations_screen import PaneScreen
from textual.widgets import DataTable

import tui
from tui.app import BastionApp
from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import MigrationsConfig, Profile, ProfileStore
from tui.settings import Settings
from tui.widgets.migrations import MigrationsPane

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-migrations-snapshots")
DEMO_ALEMBIC = Path(tui.__file__).resolve().parent / "demo" / "alembic"
DB_NAME = "snapshot_migrations"





@pytest.fixture
def snapshot_db(pg_cluster: LocalCluster) -> Iterator[Profile]:
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    yield Profile(name="shop", host=str(pg_cluster.socket_dir), port=pg_cluster.port, database=DB_NAME,
                  user=pg_cluster.superuser, password="none", read_only=True)
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def execute(cluster: LocalCluster, statement: str) -> None:
    with psycopg.connect(cluster.socket_conninfo(DB_NAME), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def demo_project(folder: Path) -> Path:
    """The demo's Alembic project (branches, a merge, realistic messages), copied."""
    shutil.copytree(DEMO_ALEMBIC, folder / "shop" / "alembic", ignore=shutil.ignore_patterns("__pycache__"))
    return folder / "shop" / "alembic" / "alembic.ini"


def stamp(cluster: LocalCluster, *revisions: str) -> None:
    execute(cluster, "CREATE TABLE alembic_version (version_num varchar(32) NOT NULL, "
                     "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    for revision in revisions:
        execute(cluster, f"INSERT INTO alembic_version VALUES ('{revision}')")


async def wait_loaded(pilot) -> None:
    pane = pilot.app.screen.query_one(MigrationsPane)
    for _ in range(200):
        await pilot.pause(0.05)
        if pane.report is not None and not pane.loading:
            break
    pane.focus()  # passes focus on to the first table shown
    await pilot.pause(0.3)
    assert pilot.app.screen.focused in pane.query(DataTable)
    await pilot.wait_for_scheduled_animations()


def run_pane(profile: Profile, cwd: Path, keys: tuple[str, ...] = ()):
    async def show(pilot) -> None:
        database = open_database(profile)
        pane = MigrationsPane(database, profile, lambda _profile: None, cwd=cwd)
        await pilot.app.push_screen(PaneScreen(pane))
        await wait_loaded(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause(0.4)
            await pilot.wait_for_scheduled_animations()
    return show


def app(folder: Path) -> BastionApp:
    return BastionApp(ProfileStore(folder / "profiles.yaml").load(), settings=Settings(),
                      theme_name="bastion-dark", environ={"TERM": "xterm-256color", "COLORTERM": "truecolor"})


@pytest.mark.parametrize("size", SIZES)
def test_migrations_at_head(snap_compare, fixed_dir: Path, snapshot_db: Profile, pg_cluster: LocalCluster,
                            size: tuple[int, int]) -> None:
    ini = write_project(fixed_dir / "app", BRANCHED)
    alembic(ini, pg_url(pg_cluster, DB_NAME), "upgrade", "heads")
    profile = snapshot_db.with_changes(migrations=MigrationsConfig(config=str(ini)))
    assert snap_compare(app(fixed_dir), run_before=run_pane(profile, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_migrations_pending_with_branches(snap_compare, fixed_dir: Path, snapshot_db: Profile,
                                          pg_cluster: LocalCluster, size: tuple[int, int]) -> None:
    ini = demo_project(fixed_dir)
    stamp(pg_cluster, "2d6b9f3e7a15")  # billing applied, analytics not: one side of the branch
    profile = snapshot_db.with_changes(migrations=MigrationsConfig(config=str(ini)))
    assert snap_compare(app(fixed_dir), run_before=run_pane(profile, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_migrations_unknown_revision(snap_compare, fixed_dir: Path, snapshot_db: Profile,
                                     pg_cluster: LocalCluster, size: tuple[int, int]) -> None:
    ini = demo_project(fixed_dir)
    stamp(pg_cluster, "e1f2a3b4c5d6")
    profile = snapshot_db.with_changes(migrations=MigrationsConfig(config=str(ini)))
    assert snap_compare(app(fixed_dir), run_before=run_pane(profile, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_migrations_other_tools(snap_compare, fixed_dir: Path, snapshot_db: Profile, pg_cluster: LocalCluster,
                                size: tuple[int, int]) -> None:
    for tool in ("Flyway", "golang-migrate", "Django", "Prisma", "Liquibase"):
        execute(pg_cluster, PG_TOOLS[tool])
    assert snap_compare(app(fixed_dir), run_before=run_pane(snapshot_db, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_migrations_revision_details(snap_compare, fixed_dir: Path, snapshot_db: Profile,
                                     pg_cluster: LocalCluster, size: tuple[int, int]) -> None:
    ini = demo_project(fixed_dir)
    stamp(pg_cluster, "6c0d2e8f4a17")
    profile = snapshot_db.with_changes(migrations=MigrationsConfig(config=str(ini)))
    # down to 6c0d2e8f4a17's parent, the merge's analytics branch: 5f3c7d2a9e61 (real DDL in upgrade())
    keys = ("down", "down", "down", "down", "down", "enter")
    assert snap_compare(app(fixed_dir), run_before=run_pane(profile, fixed_dir, keys), terminal_size=size)
