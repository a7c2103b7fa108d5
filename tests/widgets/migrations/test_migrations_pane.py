"""The Migrations pane as a user drives it: details, actions in a subprocess,
locating the project and choosing the version table (both saved to the profile)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.alembic_projects import BRANCHED, Rev, alembic, linear, pg_execute, pg_url, write_project
from helpers.migrations_screen import PaneScreen
from textual.app import App
from textual.widgets import DataTable, Input, OptionList, Static, TextArea

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import MigrationsConfig, Profile
from tui.services.migrations.actions import check_drift, preview_sql
from tui.services.migrations.scripts import locate_project
from tui.widgets.migrations import MigrationsPane
from tui.widgets.migrations.dialogs import ActionOutput, LocateProject, RevisionDetails, VersionTablePicker


class PaneApp(App[None]):
    def __init__(self, pane: MigrationsPane) -> None:
        super().__init__()
        self.pane = pane

    def on_mount(self) -> None:
        self.push_screen(PaneScreen(self.pane))


async def loaded(pilot, pane: MigrationsPane) -> None:
    for _ in range(200):
        await pilot.pause(0.05)
        if pane.report is not None and not pane.loading:
            return
    raise AssertionError("the pane did not load")


async def wait_for(pilot, condition) -> None:
    for _ in range(400):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("timed out")


async def test_enter_shows_revision_details(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                            socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, BRANCHED, url)
    alembic(ini, url, "upgrade", "b2")
    profile = socket_profile.with_changes(read_only=True, migrations=MigrationsConfig(config=str(ini)))
    pane = MigrationsPane(open_database(profile), profile, lambda _p: None)
    async with PaneApp(pane).run_test(size=(100, 30)) as pilot:
        await loaded(pilot, pane)
        assert "Alembic: 3 pending" in str(pane.query_one("#mig-summary", Static).render())
        table = pane.query_one("#mig-history", DataTable)
        table.focus()
        await pilot.press("down", "enter")  # d1, then m1
        await pilot.pause(0.2)
        screen = pilot.app.screen
        assert isinstance(screen, RevisionDetails) and screen.revision.revision == "m1"
        assert "def upgrade()" in screen.query_one(TextArea).text
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(pilot.app.screen, PaneScreen)


async def test_choose_version_table_is_saved_to_the_profile(tmp_path: Path, pg_cluster: LocalCluster,
                                                             pg_database: str, socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    pg_execute(pg_cluster, pg_database, "CREATE SCHEMA tenant")
    ini = write_project(tmp_path, linear(3), url, version_table="versions", version_table_schema="tenant")
    alembic(ini, url, "upgrade", "r0001")
    pg_execute(pg_cluster, pg_database, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('r0003')")
    profile = socket_profile.with_changes(migrations=MigrationsConfig(config=str(ini)))
    saved: list[Profile] = []
    pane = MigrationsPane(open_database(profile), profile, saved.append)
    async with PaneApp(pane).run_test(size=(100, 30)) as pilot:
        await loaded(pilot, pane)
        assert pane.report is not None and pane.report.history is not None
        assert pane.report.history.summary == "at head"  # public.alembic_version by default
        pane.query_one("#mig-history", DataTable).focus()
        await pilot.press("v")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, VersionTablePicker)
        options = pilot.app.screen.query_one(OptionList)
        assert options.option_count == 2
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: saved and not pane.loading and pane.report.version_table is not None
                       and pane.report.version_table.qualified == "tenant.versions")
        assert saved[-1].migrations == MigrationsConfig(config=str(ini), version_table="tenant.versions")
        assert pane.report.history.summary == "2 pending"


async def test_locate_project_is_saved_to_the_profile(tmp_path: Path, socket_profile: Profile) -> None:
    ini = write_project(tmp_path / "proj", linear(2))
    saved: list[Profile] = []
    pane = MigrationsPane(open_database(socket_profile), socket_profile, saved.append, cwd=tmp_path)
    async with PaneApp(pane).run_test(size=(100, 30)) as pilot:
        await loaded(pilot, pane)
        assert pane.report is not None and pane.report.project is None
        await pilot.press("l")
        await pilot.pause(0.2)
        assert isinstance(pilot.app.screen, LocateProject)
        field = pilot.app.screen.query_one(Input)
        field.value = str(tmp_path / "nowhere")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "does not exist" in str(pilot.app.screen.query_one("#locate-error", Static).render())
        field.value = str(tmp_path / "proj")
        await pilot.press("enter")
        await wait_for(pilot, lambda: saved and pane.report is not None and pane.report.history is not None)
        assert saved[-1].migrations == MigrationsConfig(config=str(tmp_path / "proj"))
        assert pane.report.history.summary == "2 pending"
        assert pane.report.project is not None and pane.report.project.config_file == ini


async def test_preview_sql_runs_in_a_subprocess_and_scrolls(tmp_path: Path, pg_cluster: LocalCluster,
                                                            pg_database: str, socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(4), url)
    alembic(ini, url, "upgrade", "r0002")
    profile = socket_profile.with_changes(migrations=MigrationsConfig(config=str(ini)))
    pane = MigrationsPane(open_database(profile), profile, lambda _p: None)
    async with PaneApp(pane).run_test(size=(100, 30)) as pilot:
        await loaded(pilot, pane)
        pane.query_one("#mig-history", DataTable).focus()
        await pilot.press("p")
        await pilot.pause(0.1)
        dialog = pilot.app.screen
        assert isinstance(dialog, ActionOutput)
        await wait_for(pilot, lambda: bool(dialog.query(TextArea)))
        text = dialog.query_one(TextArea).text
        assert "CREATE TABLE t_r0003" in text and "CREATE TABLE t_r0004" in text
        assert "t_r0002" not in text.replace("'r0002'", "")  # starts after the current revision
        assert "r0002:heads" in str(dialog.query_one("#action-command", Static).render())


def test_check_reports_drift_output(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(1), url)
    project = locate_project(config=str(ini))
    result = check_drift(project)
    assert result.command[1:4] == ["-m", "alembic", "-c"]
    assert "at head" in result.note
    assert result.returncode != 0 and "not up to date" in result.output.lower()
    alembic(ini, url, "upgrade", "head")
    result = check_drift(project)
    # Empty MetaData vs a database with a table: alembic reports the drift (a removed table).
    assert "remove_table" in result.output or "t_r0001" in result.output


def test_preview_without_a_python_explains(tmp_path: Path) -> None:
    ini = write_project(tmp_path, linear(1))
    result = preview_sql(locate_project(config=str(ini)), (), python=str(tmp_path / "no-python"))
    assert result.returncode is None and "Cannot start" in result.output


@pytest.mark.parametrize("broken", ["import_error", "dangling", "unknown", "no_scripts"])
async def test_pane_always_renders(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                   socket_profile: Profile, broken: str) -> None:
    revisions = [Rev("a1"), Rev("b1", "a1")]
    current = "b1"
    if broken == "import_error":
        revisions[1] = Rev("b1", "a1", imports="import not_installed_app.models")
    elif broken == "dangling":
        revisions[1] = Rev("b1", "vanished")
    elif broken == "unknown":
        current = "c0ffee"
    ini = write_project(tmp_path, revisions)
    if broken == "no_scripts":  # a file where the folder should be (chmod 0 does not stop root)
        for path in (tmp_path / "migrations" / "versions").iterdir():
            path.unlink()
        (tmp_path / "migrations" / "versions").rmdir()
        (tmp_path / "migrations" / "versions").write_text("")
    pg_execute(pg_cluster, pg_database, f"CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        f"INSERT INTO alembic_version VALUES ('{current}')")
    profile = socket_profile.with_changes(migrations=MigrationsConfig(config=str(ini)), read_only=True)
    pane = MigrationsPane(open_database(profile), profile, lambda _p: None)
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        await loaded(pilot, pane)
        summary = str(pane.query_one("#mig-summary", Static).render())
        table = pane.query_one("#mig-history", DataTable)
        assert "Traceback" not in summary
        if broken == "unknown":
            assert "unknown revision" in summary and table.get_row_at(0)[2].plain == "c0ffee"
        elif broken == "no_scripts":
            assert table.row_count == 1 and table.get_row_at(0)[2].plain == "b1"
        else:
            assert table.row_count == 2


async def test_loading_is_visible_then_replaced(tmp_path: Path, socket_profile: Profile) -> None:
    ini = write_project(tmp_path, linear(3))
    profile = socket_profile.with_changes(migrations=MigrationsConfig(config=str(ini)))
    pane = MigrationsPane(open_database(profile), profile, lambda _p: None)
    async with PaneApp(pane).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert pane.loading or pane.report is not None
        await loaded(pilot, pane)
        assert not pane.loading
        await pilot.press("r", "r", "r")  # refreshes in a row: only the last one counts
        await loaded(pilot, pane)
        await pilot.pause(0.3)
        assert not pane.loading
        assert pane.report is not None and pane.report.history is not None
        assert pane.report.history.summary == "3 pending"


def test_closing_the_output_kills_the_subprocess(tmp_path: Path) -> None:
    import threading
    import time

    ini = write_project(tmp_path, linear(1))
    slow = tmp_path / "slow-python"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    result = check_drift(locate_project(config=str(ini)), python=str(slow), cancel=cancel)
    assert time.monotonic() - started < 5
    assert result.returncode is None and "[cancelled]" in result.output


async def test_thousand_revisions_render(tmp_path: Path, pg_cluster: LocalCluster,
                                         pg_database: str, socket_profile: Profile) -> None:
    # How fast is bench/migrations.py's to say (a timed test fails on a busy machine).
    from tui.services.migrations.scripts import clear_cache

    ini = write_project(tmp_path, linear(1000))
    pg_execute(pg_cluster, pg_database, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('r0995')")
    profile = socket_profile.with_changes(migrations=MigrationsConfig(config=str(ini)))
    clear_cache()
    pane = MigrationsPane(open_database(profile), profile, lambda _p: None)
    async with PaneApp(pane).run_test(size=(120, 40)) as pilot:
        await loaded(pilot, pane)
        await pilot.pause()
        assert pane.query_one("#mig-history", DataTable).row_count == 1000
        assert "5 pending" in str(pane.query_one("#mig-summary", Static).render())
