"""Alembic status against real databases: current, pending, heads and summary for
linear, branched, two-head, depends_on, custom-table and broken projects."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from helpers.alembic_projects import (  # noqa: F401
    BRANCHED,
    Rev,
    alembic,
    linear,
    pg_execute,
    pg_url,
    sqlite_execute,
    sqlite_file_fixture,
    write_project,
)

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import MigrationsConfig, Profile
from tui.services.migrations import load_report, locate_project, read_revisions
from tui.services.migrations.scripts import clear_cache


def pg_report(profile: Profile, ini: Path, **migrations: str):
    profile = profile.with_changes(migrations=MigrationsConfig(config=str(ini), **migrations))
    database = open_database(profile)
    try:
        return load_report(database, profile)
    finally:
        database.close()


def sqlite_profile(path: Path, ini: Path | None = None) -> Profile:
    return Profile(name="lite", driver="sqlite", path=str(path), read_only=True,
                   migrations=MigrationsConfig(config=str(ini)) if ini else None)


def test_linear_postgres_part_way(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                  socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(5), url)
    alembic(ini, url, "upgrade", "r0003")
    report = pg_report(socket_profile.with_changes(read_only=True), ini)
    history = report.history
    assert history is not None
    assert history.current == ("r0003",)
    assert history.pending == ("r0005", "r0004")
    assert history.heads == ("r0005",)
    assert history.summary == "2 pending"
    states = {row.revision.revision: row.state for row in history.rows}
    assert states == {"r0005": "pending", "r0004": "pending", "r0003": "current", "r0002": "applied",
                      "r0001": "applied"}
    assert report.version_table is not None and report.version_table.qualified == "alembic_version"


def test_linear_postgres_at_head_and_empty(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                           socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(3), url)
    report = pg_report(socket_profile, ini)
    assert report.version_table is None  # never stamped: no table, nothing created
    assert report.history is not None and report.history.summary == "3 pending"
    alembic(ini, url, "upgrade", "head")
    report = pg_report(socket_profile, ini)
    assert report.history is not None and report.history.summary == "at head"
    assert report.history.at_head


def test_branched_and_merged_one_side_of_the_branch(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                                    socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, BRANCHED, url)
    alembic(ini, url, "upgrade", "b2")
    history = pg_report(socket_profile, ini).history
    assert history is not None
    # The sibling branch c1 is pending too (iterate_revisions(heads, current) would miss it).
    assert set(history.pending) == {"c1", "m1", "d1"}
    assert history.summary == "3 pending"
    rows = {row.revision.revision: row for row in history.rows}
    assert rows["m1"].is_merge and rows["a1"].is_branch_point and rows["d1"].is_head
    assert [row.revision.revision for row in history.rows][0] == "d1"
    assert "╮" in rows["m1"].graph and "╯" in rows["a1"].graph
    alembic(ini, url, "upgrade", "heads")
    history = pg_report(socket_profile, ini).history
    assert history is not None and history.summary == "at head"


def test_two_heads_need_a_merge(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    revisions = [Rev("a1"), Rev("b1", "a1"), Rev("c1", "a1")]
    ini = write_project(tmp_path, revisions, url)
    alembic(ini, url, "upgrade", "b1")
    history = pg_report(socket_profile, ini).history
    assert history is not None
    assert set(history.heads) == {"b1", "c1"}
    assert history.summary == "1 pending · 2 heads in scripts: merge needed"
    alembic(ini, url, "upgrade", "heads")
    history = pg_report(socket_profile, ini).history
    assert history is not None
    assert set(history.current) == {"b1", "c1"}  # two rows: two applied heads
    assert history.summary == "at head · 2 heads in scripts: merge needed"


def test_depends_on_is_at_head(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                               socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    revisions = [Rev("core1", None, labels="core"), Rev("core2", "core1"),
                 Rev("feat1", None, labels="feature", depends="core2")]
    ini = write_project(tmp_path, revisions, url)
    alembic(ini, url, "upgrade", "heads")
    history = pg_report(socket_profile, ini).history
    assert history is not None
    assert history.current == ("feat1",)  # Alembic records only feat1: core2 is its dependency
    assert set(history.heads) == {"core2", "feat1"}
    assert history.effective_heads == ("feat1",)
    assert history.pending == ()
    assert history.summary == "at head"


def test_custom_version_table_in_another_schema(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                                socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    pg_execute(pg_cluster, pg_database, "CREATE SCHEMA meta")
    ini = write_project(tmp_path, linear(3), url, version_table="schema_history", version_table_schema="meta")
    alembic(ini, url, "upgrade", "r0002")
    report = pg_report(socket_profile, ini)
    assert report.version_table is not None and report.version_table.qualified == "meta.schema_history"
    assert report.history is not None and report.history.summary == "1 pending"
    # A second environment's table: the pane says there are two and uses the profile's choice.
    pg_execute(pg_cluster, pg_database, "CREATE TABLE public.alembic_version (version_num varchar(32) "
                                        "NOT NULL PRIMARY KEY); INSERT INTO public.alembic_version VALUES ('zz')")
    report = pg_report(socket_profile, ini)
    assert sorted(t.qualified for t in report.version_tables) == ["alembic_version", "meta.schema_history"]
    assert any("2 Alembic version tables" in note for note in report.notes)
    report = pg_report(socket_profile, ini, version_table="meta.schema_history")
    assert report.history is not None and report.history.current == ("r0002",)
    report = pg_report(socket_profile, ini, version_table="nowhere")
    assert report.version_table is None and "not found" in report.notes[0]


def test_revision_missing_from_scripts(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                       socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(2), url)
    alembic(ini, url, "upgrade", "head")
    pg_execute(pg_cluster, pg_database, "UPDATE alembic_version SET version_num = 'feedface0042'")
    report = pg_report(socket_profile, ini)
    assert report.history is not None
    assert report.history.unknown == ("feedface0042",)
    assert report.history.summary.startswith("database at an unknown revision")
    assert "feedface0042" in report.problems[0] and "not in the script directory" in report.problems[0]


def test_dangling_down_revision(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, [Rev("a1"), Rev("b1", "a1"), Rev("c1", "gone")], url)
    pg_execute(pg_cluster, pg_database, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('b1')")
    report = pg_report(socket_profile, ini)
    assert report.history is not None
    assert report.history.pending == ("c1",)
    assert any("down_revision gone" in problem for problem in report.problems)
    row = next(row for row in report.history.rows if row.revision.revision == "c1")
    assert row.missing_parents == ("gone",)


def test_migration_importing_a_missing_module(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                              socket_profile: Profile) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    url = pg_url(pg_cluster, pg_database)
    revisions = [Rev("a1"), Rev("b1", "a1", imports="from myapp.models import Base  # not installed")]
    ini = write_project(tmp_path, revisions, url)
    with pytest.raises(ImportError):  # what importing (alembic's own loader) does
        list(ScriptDirectory.from_config(Config(str(ini))).walk_revisions())
    pg_execute(pg_cluster, pg_database, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('a1')")
    report = pg_report(socket_profile, ini)
    assert report.history is not None and report.history.pending == ("b1",)
    assert report.problems == []


def test_script_directory_unreadable_still_shows_the_rows(tmp_path: Path, pg_cluster: LocalCluster,
                                                          pg_database: str, socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(2), url)
    alembic(ini, url, "upgrade", "head")
    (tmp_path / "migrations" / "versions").rename(tmp_path / "elsewhere")
    report = pg_report(socket_profile, ini)
    assert report.history is None
    assert report.version_table is not None and report.version_table.rows == ("r0002",)
    assert report.summary == "database at r0002 (scripts not available)"
    assert any("Cannot read the versions folder" in problem for problem in report.problems)


def test_no_project_found(tmp_path: Path, socket_profile: Profile) -> None:
    database = open_database(socket_profile)
    try:
        report = load_report(database, socket_profile, cwd=tmp_path)
    finally:
        database.close()
    assert report.project is None and "Press l" in (report.project_error or "")
    assert report.summary == "no Alembic version table in this database"


def test_sqlite_read_only_part_way(tmp_path: Path, sqlite_file: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    ini = write_project(tmp_path / "proj", BRANCHED, url)
    alembic(ini, url, "upgrade", "c1")
    before = sqlite_file.stat().st_mtime_ns
    database = open_database(sqlite_profile(sqlite_file, ini))
    try:
        report = load_report(database, sqlite_profile(sqlite_file, ini))
    finally:
        database.close()
    assert report.history is not None
    assert set(report.history.pending) == {"b1", "b2", "m1", "d1"}
    assert report.history.current == ("c1",)
    assert sqlite_file.stat().st_mtime_ns == before


def test_sqlite_unknown_revision(tmp_path: Path, sqlite_file: Path) -> None:
    ini = write_project(tmp_path / "proj", linear(2))
    sqlite_execute(sqlite_file, "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));"
                                "INSERT INTO alembic_version VALUES ('0badc0de');")
    database = open_database(sqlite_profile(sqlite_file, ini))
    try:
        report = load_report(database, database.profile)  # type: ignore[attr-defined]
    finally:
        database.close()
    assert report.history is not None and report.history.unknown == ("0badc0de",)
    assert report.history.summary == "database at an unknown revision · 2 pending"


def test_pyproject_tool_alembic(tmp_path: Path) -> None:
    write_project(tmp_path, linear(2))
    (tmp_path / "alembic.ini").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    project = locate_project(cwd=tmp_path)
    assert project.config_file == tmp_path / "pyproject.toml"
    assert len(read_revisions(project).revisions) == 2


def test_thousand_revisions_open_fast(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                      socket_profile: Profile) -> None:
    url = pg_url(pg_cluster, pg_database)
    ini = write_project(tmp_path, linear(1000), url)
    pg_execute(pg_cluster, pg_database, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('r0990')")
    clear_cache()
    started = time.perf_counter()
    report = pg_report(socket_profile, ini)
    elapsed = time.perf_counter() - started
    assert report.history is not None and len(report.history.pending) == 10
    assert report.history.summary == "10 pending"
    assert elapsed < 1.0, elapsed
    started = time.perf_counter()
    pg_report(socket_profile, ini)  # cached: nothing re-parsed
    assert time.perf_counter() - started < elapsed


def test_revision_ids_longer_than_32_characters_are_flagged_on_postgres(tmp_path: Path,
                                                                        socket_profile: Profile) -> None:
    long_id = "a" * 40
    ini = write_project(tmp_path, [Rev("a1"), Rev(long_id, "a1")])
    report = pg_report(socket_profile, ini)
    assert any("longer than 32 characters" in problem for problem in report.problems)


def test_unreadable_version_table_is_explained(tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
                                               socket_profile: Profile) -> None:
    import uuid

    role = f"mig_ro_{uuid.uuid4().hex[:8]}"
    ini = write_project(tmp_path, linear(2))
    pg_execute(pg_cluster, pg_database, f"CREATE ROLE {role} LOGIN;"
                                        "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                                        "INSERT INTO alembic_version VALUES ('r0001');"
                                        "REVOKE ALL ON alembic_version FROM PUBLIC")
    try:
        report = pg_report(socket_profile.with_changes(user=role, read_only=True), ini)
        assert report.version_table is not None and "permission denied" in (report.version_table.error or "")
        assert any("Cannot read alembic_version" in problem for problem in report.problems)
        assert report.summary == "cannot read alembic_version: database revision unknown"
    finally:
        pg_execute(pg_cluster, pg_database, f"DROP OWNED BY {role}; DROP ROLE {role}")
