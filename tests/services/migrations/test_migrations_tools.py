"""Other migration tools: each one's tracking table created with (close to) its
own DDL, in good, failed, dirty and locked states, and detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.alembic_projects import pg_execute, sqlite_execute, sqlite_file_fixture  # noqa: F401
from helpers.migration_tables import PG_TOOLS

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.migrations import ToolStatus, load_report
from tui.services.migrations.database import other_tools, tracking_tables

# PostgreSQL DDL as each tool writes it (trimmed to what matters), plus sample rows.

# tool -> (applied, latest contains, problem contains or None)
EXPECTED = {
    "Flyway": (1, "2 add users", "failed"),
    "Liquibase": (2, "2 (db.changelog.xml)", "lock held"),
    "Django": (2, "shop.0002_orders", None),
    "golang-migrate": (None, "version 20250401", "dirty"),
    "Rails": (2, "20250102000000", None),
    "dbmate": (1, "20250105000000", None),
    "Ecto": (1, "20250106000000", None),
    "goose": (1, "1", None),
    "Prisma": (1, "20250502_users", "unfinished"),
    "Knex": (1, "20250101_init.js", "lock held"),
    "Sequelize": (1, "20250101-create-user.js", None),
    "TypeORM": (1, "Init1735689600000", None),
    "gormigrate": (1, "202501010000", None),
    "Diesel": (1, "20250101000000", None),
    "sqitch": (1, "appschema", "fail"),
    "Atlas": (1, "20250102 users", "partially applied"),
    "Drizzle": (1, "9f1c2b", None),
    "node-pg-migrate": (1, "1735689600000_init", None),
    "Yoyo": (1, "0001_init", "yoyo_lock"),
}


def detect(profile: Profile) -> dict[str, ToolStatus]:
    database = open_database(profile)
    try:
        found = other_tools(database, tracking_tables(database))
    finally:
        database.close()
    return {tool.tool: tool for tool in found}


def test_every_tool_on_postgres_in_one_database(pg_cluster: LocalCluster, pg_database: str,
                                                socket_profile: Profile) -> None:
    for ddl in PG_TOOLS.values():
        pg_execute(pg_cluster, pg_database, ddl)
    found = detect(socket_profile.with_changes(read_only=True))
    assert set(found) == set(EXPECTED)
    for tool, (applied, latest, problem) in EXPECTED.items():
        status = found[tool]
        assert status.error is None, (tool, status.error)
        assert status.applied == applied, tool
        assert status.latest is not None and latest in status.latest, (tool, status.latest)
        if problem is None:
            assert status.problem is None, (tool, status.problem)
        else:
            assert status.problem is not None and problem in status.problem, (tool, status.problem)
    assert found["Django"].latest_at == "2025-03-02 09:00"
    assert found["TypeORM"].latest_at == "2025-01-01 00:00"  # epoch milliseconds converted
    assert found["golang-migrate"].table == "gm.schema_migrations"


@pytest.mark.parametrize("tool", ["Flyway", "golang-migrate", "Prisma", "Knex"])
def test_healthy_states_are_not_flagged(pg_cluster: LocalCluster, pg_database: str, socket_profile: Profile,
                                        tool: str) -> None:
    fixes = {
        "Flyway": "UPDATE flyway_schema_history SET success = true",
        "golang-migrate": "UPDATE gm.schema_migrations SET dirty = false",
        "Prisma": "UPDATE _prisma_migrations SET finished_at = now()",
        "Knex": "UPDATE knex_migrations_lock SET is_locked = 0",
    }
    pg_execute(pg_cluster, pg_database, PG_TOOLS[tool])
    pg_execute(pg_cluster, pg_database, fixes[tool])
    status = detect(socket_profile)[tool]
    assert status.problem is None


def test_lookalike_tables_are_not_tools(pg_cluster: LocalCluster, pg_database: str,
                                        socket_profile: Profile) -> None:
    pg_execute(pg_cluster, pg_database, """
        CREATE TABLE migrations (id serial PRIMARY KEY, title text, done boolean);
        CREATE TABLE changes (id int, what text);
        CREATE TABLE schema_migrations (version varchar PRIMARY KEY, checksum text);""")
    assert detect(socket_profile) == {}


def test_schema_migrations_variants_side_by_side(pg_cluster: LocalCluster, pg_database: str,
                                                 socket_profile: Profile) -> None:
    for tool in ("golang-migrate", "Rails", "dbmate", "Ecto"):
        pg_execute(pg_cluster, pg_database, PG_TOOLS[tool])
    found = detect(socket_profile)
    assert {name: status.table for name, status in found.items()} == {
        "golang-migrate": "gm.schema_migrations", "Rails": "rails.schema_migrations",
        "dbmate": "dbm.schema_migrations", "Ecto": "ecto.schema_migrations"}


def test_tools_listed_with_alembic_in_the_report(pg_cluster: LocalCluster, pg_database: str,
                                                 socket_profile: Profile, tmp_path: Path) -> None:
    pg_execute(pg_cluster, pg_database, PG_TOOLS["Django"] + PG_TOOLS["Flyway"])
    database = open_database(socket_profile)
    try:
        report = load_report(database, socket_profile, cwd=tmp_path)
    finally:
        database.close()
    assert [tool.tool for tool in report.tools] == ["Django", "Flyway"]


def test_sqlite_tools(sqlite_file: Path) -> None:
    sqlite_execute(sqlite_file, """
        CREATE TABLE "schema_migrations" (version varchar(128) primary key);
        INSERT INTO schema_migrations VALUES ('20250101000000'), ('20250102000000');
        CREATE TABLE __drizzle_migrations (id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric);
        INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('abc', 1735776000000);
        CREATE TABLE knex_migrations (id integer not null primary key autoincrement, name varchar(255),
          batch integer, migration_time datetime);
        CREATE TABLE knex_migrations_lock (`index` integer not null primary key autoincrement, is_locked integer);
        INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('init.js', 1, '2025-01-01 10:00:00');
        INSERT INTO knex_migrations_lock (is_locked) VALUES (1);
        CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50),
          description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL,
          checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TEXT NOT NULL,
          execution_time INT NOT NULL, success BOOLEAN NOT NULL);
        INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1.sql', 0, 'me', '2025-01-01 00:00',
          1, 0);
        CREATE TABLE golang (version bigint, dirty boolean);
    """)
    profile = Profile(name="lite", driver="sqlite", path=str(sqlite_file), read_only=True)
    found = detect(profile)
    assert set(found) == {"dbmate", "Drizzle", "Knex", "Flyway"}
    assert found["dbmate"].applied == 2
    assert found["Knex"].problem and "lock held" in found["Knex"].problem
    assert found["Flyway"].problem and "failed" in found["Flyway"].problem
    assert found["Drizzle"].latest_at == "2025-01-02 00:00"
