"""Databases as a level: the sidebar lists the server's databases (size, owner,
limit, whether this role may connect) and switches to one with the same profile,
each database keeping its own editor tabs and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.apps import FIXED_ENV, wait_for_screen
from psycopg import sql

from tui.app import BastionApp
from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.screens.workspace import WorkspaceScreen
from tui.services.databases import server_databases, storage_key
from tui.settings import Settings
from tui.widgets.catalog_tree import CatalogTree

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
ROLE = "conn_switcher"
DATABASES = ("conn_alpha", "conn_beta", "conn_closed")


@pytest.fixture(scope="module")
def three_databases(pg_cluster: LocalCluster) -> Iterator[LocalCluster]:
    """conn_alpha and conn_beta the role may use (beta: limit 5), conn_closed it may not."""
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
        for name in DATABASES:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(ROLE)))
        for name in DATABASES:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        admin.execute("ALTER DATABASE conn_beta CONNECTION LIMIT 5")
        with psycopg.connect(pg_cluster.socket_conninfo("conn_alpha"), autocommit=True) as alpha:
            alpha.execute(sql.SQL("CREATE TABLE notes (id int); GRANT SELECT, INSERT ON notes TO {}").format(
                sql.Identifier(ROLE)))
        admin.execute("REVOKE CONNECT ON DATABASE conn_closed FROM PUBLIC")
    try:
        yield pg_cluster
    finally:
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
            for name in DATABASES:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))


def role_profile(cluster: LocalCluster, database: str = "conn_alpha") -> Profile:
    return Profile(name="team", host=str(cluster.socket_dir), port=cluster.port, database=database,
                   user=ROLE, password="none")


def test_the_server_databases_as_the_role_sees_them(three_databases: LocalCluster) -> None:
    database = open_database(role_profile(three_databases))
    try:
        found = {d.name: d for d in server_databases(database) if d.name in DATABASES}
        first = server_databases(database)[0]
    finally:
        database.close()
    assert first.name == "conn_alpha" and first.current
    assert found["conn_alpha"].may_connect and found["conn_alpha"].size and found["conn_alpha"].refusal is None
    assert found["conn_beta"].connection_limit == 5 and found["conn_beta"].owner == three_databases.superuser
    closed = found["conn_closed"]
    assert not closed.may_connect and closed.size is None
    assert "may not connect to 'conn_closed' (no CONNECT privilege)" in closed.refusal


def test_storage_keys_keep_databases_apart() -> None:
    assert storage_key("team", "conn_alpha", "conn_alpha") == "team"
    assert storage_key("team", "conn_alpha", None) == "team"
    assert storage_key("team", "conn_alpha", "conn_beta") == "team__db__conn_beta"


def app_on(folder: Path, profile: Profile) -> BastionApp:
    path = folder / "profiles.yaml"
    store = ProfileStore(path).load()
    store.put(profile)
    return BastionApp(store, settings=Settings(path=folder / "settings.yaml"), start_profile=profile,
                      environ=FIXED_ENV)


async def show_level(pilot) -> CatalogTree:
    await wait_for_screen(pilot, WorkspaceScreen)
    await pilot.pause(0.3)
    await pilot.press("s", "d")
    tree = pilot.app.screen.query_one(CatalogTree)
    for _ in range(100):
        if any(node.data is not None for node in tree.root.children):
            break
        await pilot.pause(0.05)
    return tree


async def test_switching_reuses_the_profile_and_keeps_tabs_apart(three_databases: LocalCluster,
                                                                  tmp_path: Path) -> None:
    from helpers.pilot import until

    from tui.services.query.commit_mode import remember_manual_commit
    from tui.widgets.query.pane import QueryPane
    from tui.widgets.query.transaction_prompt import TransactionPrompt

    remember_manual_commit("team", True)
    app = app_on(tmp_path, role_profile(three_databases))
    async with app.run_test(size=(120, 40)) as pilot:
        tree = await show_level(pilot)
        names = [node.data.name for node in tree.root.children if node.data is not None]
        tree.move_cursor(tree.root.children[1 + names.index("conn_closed")])
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen.database.info.database == "conn_alpha"  # refused before trying
        # An open transaction is asked about before the switch (here: rolled back).
        await pilot.press("2")
        pane = app.screen.query_one(QueryPane)
        await until(pilot, lambda: bool(pane.query("#sql-editor")))
        pane.editor.text = "insert into notes values (1)"
        pane.editor.focus()
        await pilot.press("ctrl+j")
        await until(pilot, lambda: pane.transaction_open(), timeout=10)
        await pilot.press("escape", "s")
        tree.move_cursor(tree.root.children[1 + names.index("conn_beta")])
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, TransactionPrompt))
        await pilot.press("r")
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, WorkspaceScreen) and app.screen.database.info.database == "conn_beta":
                break
        workspace = app.screen
        assert workspace.database.info.database == "conn_beta" and workspace.profile.name == "team"
        assert workspace.database.info.current_user == ROLE
        assert workspace.storage_key == "team__db__conn_beta"
        await pilot.press("2")
        await pilot.pause(0.3)
        assert workspace.query_one(QueryPane).editor_tabs.profile_name == "team__db__conn_beta"
    assert ProfileStore(tmp_path / "profiles.yaml").load().get("team").database == "conn_alpha"
    with psycopg.connect(three_databases.socket_conninfo("conn_alpha")) as alpha:
        assert alpha.execute("SELECT count(*) FROM notes").fetchone()[0] == 0


@pytest.mark.parametrize("size", SIZES)
def test_database_level(snap_compare, three_databases: LocalCluster, size: tuple[int, int],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tui.widgets.catalog_tree.size_text", lambda value: "" if value is None else "7.6 MB")
    display = Profile(name="team", host="db.internal.example", port=5432, database="conn_alpha", user=ROLE)

    async def show(pilot) -> None:
        database = open_database(role_profile(three_databases))
        database.info = dataclasses.replace(database.info, version="16.4")
        await pilot.app.push_screen(WorkspaceScreen(display, database))
        tree = await show_level(pilot)
        for node in list(tree.root.children):  # other tests' databases come and go
            if node.data is not None and node.data.name not in DATABASES:
                node.remove()
        tree.move_cursor(tree.root.children[1])
        await pilot.pause(0.3)

    app = BastionApp(ProfileStore(Path("/nonexistent/profiles.yaml")).load(), settings=Settings(),
                     environ=FIXED_ENV)
    assert snap_compare(app, run_before=show, terminal_size=size)


def test_a_rename_takes_each_switched_databases_tabs_and_history_along(memory_keyring) -> None:
    from tui.screens.picker import carry_over_rename
    from tui.secrets import PasswordVault
    from tui.services.query.autosave import EditorAutosave, buffer_autosaves
    from tui.services.query.history import HistoryStore

    EditorAutosave("team__db__conn_beta").save_now("select 'beta';")
    EditorAutosave("team__db__conn_beta.2").save_now("select 'beta two';")
    HistoryStore("team__db__conn_beta").add("select 'beta history'", 0.1, 1, True)
    carry_over_rename(PasswordVault(), "team", "crew")
    assert [t.load() for t in buffer_autosaves("crew__db__conn_beta")] == ["select 'beta';", "select 'beta two';"]
    assert [e.sql for e in HistoryStore("crew__db__conn_beta").entries()] == ["select 'beta history'"]
    assert not HistoryStore("team__db__conn_beta").path.exists()
