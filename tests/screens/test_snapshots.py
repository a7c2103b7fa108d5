"""Every screen pinned at 80x24 and 120x40 over fixed data.

Paths, ports and server versions that differ between machines are replaced by
fixed display values; everything else is the real app on a real database.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.clusters import database_named
from textual.widgets import Input

from tui.app import BastionApp
from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.screens.password import PasswordScreen
from tui.screens.workspace import WorkspaceScreen
from tui.settings import Settings
from tui.widgets.browse import BrowsePane
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.dialogs.message import MessageScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-snapshots")
FIXED_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}

PROFILES = """\
profiles:
  staging:
    label: Staging (EU)
    host: db.staging.example.internal
    database: shop
    user: app_readonly
    read_only: true
    sslmode: verify-full
  production:
    host: db.internal.example
    database: shop
    user: ops
    production: true
    ssh:
      host: jump.example
  local-cache:
    driver: sqlite
    path: /srv/data/cache.db
  broken:
    port: lots
"""



def app_with(profiles_text: str | None, folder: Path, theme: str = "bastion-dark") -> BastionApp:
    path = folder / "profiles.yaml"
    if profiles_text is not None:
        path.write_text(profiles_text)
    return BastionApp(ProfileStore(path).load(), settings=Settings(), theme_name=theme, environ=FIXED_ENV)


@pytest.fixture
def shop_database(pg_cluster: LocalCluster) -> Iterator[Profile]:
    """A database with a fixed name and a few tables, reached over the socket.

    Autovacuum is off for its tables: a vacuum adds a visibility map, and the
    sidebar's size would then depend on when autovacuum came by (152 kB vs 160 kB)."""
    with database_named(pg_cluster, "snapshot_shop", """
            CREATE SCHEMA shop;
            CREATE TABLE shop.customers (id int PRIMARY KEY, name text) WITH (autovacuum_enabled = off);
            CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int REFERENCES shop.customers)
                WITH (autovacuum_enabled = off);
            CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders;
            INSERT INTO shop.customers SELECT g, 'c' || g FROM generate_series(1, 1500) g;
            ANALYZE shop.customers;
            CREATE TABLE public.notes (id int) WITH (autovacuum_enabled = off);
    """) as profile:
        yield profile


def test_autovacuum_leaves_the_snapshot_tables_alone(shop_database: Profile) -> None:
    """Sizes and row estimates in the snapshots must not change in the background."""
    with psycopg.connect(host=shop_database.host, port=shop_database.port, user=shop_database.user,
                         dbname=shop_database.database) as conn:
        tables = conn.execute("SELECT relname, reloptions FROM pg_class JOIN pg_namespace n"
                              " ON n.oid = relnamespace WHERE relkind = 'r'"
                              " AND nspname IN ('shop', 'public')").fetchall()
    assert tables and all("autovacuum_enabled=off" in (options or []) for _, options in tables), tables


def open_workspace(profile: Profile, display: Profile) -> WorkspaceScreen:
    """A real connection, shown under a fixed name, port and server version (read-only
    when the display profile is: the header shows only what the server enforces)."""
    database = open_database(profile.with_changes(read_only=display.read_only))
    database.info = dataclasses.replace(database.info, version="16.4")
    return WorkspaceScreen(display, database)


async def settle(pilot, seconds: float = 0.4) -> None:
    await pilot.pause(seconds)
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES)
def test_picker(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_with(PROFILES, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_picker_empty(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_with(None, fixed_dir), terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_profile_form_with_validation_error(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    async def fill(pilot) -> None:
        await pilot.press("a")
        await pilot.pause()
        for char in "reporting":
            await pilot.press(char)
        pilot.app.screen.query_one("#f-port", Input).value = "fifty"
        pilot.app.screen.query_one("#f-host", Input).value = "reports.example.internal"
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=fill, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_password_prompt(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    async def prompt(pilot) -> None:
        await pilot.app.push_screen(PasswordScreen(
            "app_readonly@db.staging.example.internal/shop",
            "That password was rejected. Try again (it was not saved).",
            "Saved to the OS keyring once it works."))
        for char in "secret":
            await pilot.press(char)
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=prompt, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_production_delete_confirmation(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    async def confirm(pilot) -> None:
        await pilot.press("down", "down", "d")  # broken, local-cache, production
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=confirm, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_connect_error(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    missing = "profiles:\n  lite:\n    driver: sqlite\n    path: /srv/data/absent.db\n"

    async def fail(pilot) -> None:
        await pilot.press("enter")
        for _ in range(100):
            await pilot.pause(0.05)
            errors = pilot.app.screen.query("#connect-error")
            if errors and "not found" in str(errors.first().render()):
                break
        await settle(pilot)

    assert snap_compare(app_with(missing, fixed_dir), run_before=fail, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    async def show(pilot) -> None:
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_help_scrolled_to_its_last_sections(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    """The panes' sections at the end (Migrations, Activity, Server, Pooler)."""
    async def show(pilot) -> None:
        await pilot.press("f1")
        await settle(pilot)
        pilot.app.screen.query_one(".dialog-scroll").scroll_end(animate=False)
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_workspace_postgres_production(snap_compare, fixed_dir: Path, shop_database: Profile,
                                       size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    display = Profile(name="production", label="Production", host="db.internal.example", port=5432,
                      database="shop", user="ops", production=True, read_only=True)

    async def show(pilot) -> None:
        await pilot.app.push_screen(open_workspace(shop_database, display))
        await pilot.pause(0.5)
        tree = pilot.app.screen.query_one("#catalog-tree")
        tree.focus()
        await pilot.press("down", "enter")  # open schema "shop"
        await pilot.pause(0.5)
        await pilot.press("down", "down", "enter")  # open table "customers" in Browse
        await pilot.pause(1.0)
        await settle(pilot)

    monkeypatch.setattr(BrowsePane, "show_timings", False)
    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_workspace_sqlite(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    path = fixed_dir / "cache.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("CREATE TABLE sessions (id integer primary key, token text);"
                           "CREATE TABLE events (id integer primary key, kind text);"
                           "CREATE VIEW recent AS SELECT * FROM events;")
    profile = Profile(name="local-cache", driver="sqlite", path=str(path), read_only=True)

    async def show(pilot) -> None:
        database = open_database(profile)
        database.info = dataclasses.replace(database.info, version="3.40.1")
        await pilot.app.push_screen(WorkspaceScreen(profile, database))
        await pilot.press("2")
        await settle(pilot, 0.6)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_connection_test_result(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    async def show(pilot) -> None:
        await pilot.app.push_screen(MessageScreen("Connection OK", "\n".join([
            "Connected to app_readonly@db.staging.example.internal/shop",
            "Server: PostgreSQL 16.4",
            "User: app_readonly   Database: shop",
            "Superuser: no   Monitoring rights: yes",
            "Standby (in recovery): no",
            "Read-only enforced: yes",
        ])))
        await settle(pilot)

    assert snap_compare(app_with(PROFILES, fixed_dir), run_before=show, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_workspace_ansi16_theme_with_a_result(snap_compare, fixed_dir: Path, shop_database: Profile,
                                              size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The 16-colour theme (TERM=xterm/screen): the sidebar and tab cursors, the editor and a result
    grid with its cursor must stay legible with nothing but the terminal's own palette."""
    from tui.widgets.query.pane import QueryPane

    display = Profile(name="staging", label="Staging (EU)", host="db.staging.example.internal", port=5432,
                      database="shop", user="app_readonly", sslmode="verify-full")

    async def show(pilot) -> None:
        await pilot.app.push_screen(open_workspace(shop_database, display))
        await pilot.pause(0.3)
        await pilot.press("2")
        await settle(pilot)
        pilot.app.screen.query_one("TextArea").text = "select id, name from shop.customers order by id limit 5;"
        await pilot.press("ctrl+j")
        pane = pilot.app.screen.query_one(QueryPane)
        for _ in range(100):
            if pane.outcomes and not pane.running:
                break
            await pilot.pause(0.05)
        await pilot.press("f2")  # into the results: the grid's cursor shows
        await settle(pilot)

    monkeypatch.setattr(QueryPane, "timings", False)
    monkeypatch.setenv("TZ", "UTC")
    assert snap_compare(app_with(PROFILES, fixed_dir, theme="bastion-ansi16"), run_before=show, terminal_size=size)
