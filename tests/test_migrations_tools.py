"""Other migration tools: each one's tracking table created with (close to) its
own DDL, in good, failed, dirty and locked states, and detected."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_migrations_helpers import pg_execute, sqlite_execute, sqlite_file_fixture  # noqa: F401

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.migrations import ToolStatus, load_report
from tui.services.migrations.database import other_tools, tracking_tables

# PostgreSQL DDL as each tool writes it (trimmed to what matters), plus sample rows.
PG_TOOLS = {
    "Flyway": """
        CREATE TABLE flyway_schema_history (
          installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
          type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
          installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
          execution_time integer NOT NULL, success boolean NOT NULL);
        INSERT INTO flyway_schema_history VALUES
          (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', '2025-01-02 03:04', 5, true),
          (2, '2', 'add users', 'SQL', 'V2__add_users.sql', 2, 'me', '2025-01-03 03:04', 5, false);""",
    "Liquibase": """
        CREATE TABLE databasechangelog (
          id varchar(255) NOT NULL, author varchar(255) NOT NULL, filename varchar(255) NOT NULL,
          dateexecuted timestamp NOT NULL, orderexecuted integer NOT NULL, exectype varchar(10) NOT NULL,
          md5sum varchar(35), description varchar(255), comments varchar(255), tag varchar(255),
          liquibase varchar(20), contexts varchar(255), labels varchar(255), deployment_id varchar(10));
        CREATE TABLE databasechangeloglock (id integer NOT NULL PRIMARY KEY, locked boolean NOT NULL,
          lockgranted timestamp, lockedby varchar(255));
        INSERT INTO databasechangelog (id, author, filename, dateexecuted, orderexecuted, exectype) VALUES
          ('1', 'me', 'db.changelog.xml', '2025-02-01 10:00', 1, 'EXECUTED'),
          ('2', 'me', 'db.changelog.xml', '2025-02-02 10:00', 2, 'EXECUTED');
        INSERT INTO databasechangeloglock VALUES (1, true, '2025-02-02 10:00', 'build-agent-7');""",
    "Django": """
        CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL,
          name varchar(255) NOT NULL, applied timestamptz NOT NULL);
        INSERT INTO django_migrations (app, name, applied) VALUES
          ('auth', '0001_initial', '2025-03-01 09:00+00'), ('shop', '0002_orders', '2025-03-02 09:00+00');""",
    "golang-migrate": """
        CREATE SCHEMA gm;
        CREATE TABLE gm.schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
        INSERT INTO gm.schema_migrations VALUES (20250401, true);""",
    "Rails": """
        CREATE SCHEMA rails;
        CREATE TABLE rails.schema_migrations (version varchar NOT NULL PRIMARY KEY);
        CREATE TABLE rails.ar_internal_metadata (key varchar NOT NULL PRIMARY KEY, value varchar,
          created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
        INSERT INTO rails.schema_migrations VALUES ('20250101000000'), ('20250102000000');""",
    "dbmate": """
        CREATE SCHEMA dbm;
        CREATE TABLE dbm.schema_migrations (version varchar(128) PRIMARY KEY);
        INSERT INTO dbm.schema_migrations VALUES ('20250105000000');""",
    "Ecto": """
        CREATE SCHEMA ecto;
        CREATE TABLE ecto.schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0));
        INSERT INTO ecto.schema_migrations VALUES (20250106000000, '2025-01-06 00:00');""",
    "goose": """
        CREATE TABLE goose_db_version (id serial PRIMARY KEY, version_id bigint NOT NULL,
          is_applied boolean NOT NULL, tstamp timestamp DEFAULT now());
        INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES
          (0, true, '2025-01-01'), (1, true, '2025-01-02'), (2, true, '2025-01-03'), (2, false, '2025-01-04');""",
    "Prisma": """
        CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
          finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
          started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
        INSERT INTO _prisma_migrations VALUES
          ('a', 'x', '2025-05-01 00:00+00', '20250501_init', NULL, NULL, '2025-05-01 00:00+00', 1),
          ('b', 'y', NULL, '20250502_users', 'error: column exists', NULL, '2025-05-02 00:00+00', 0);""",
    "Knex": """
        CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer,
          migration_time timestamptz);
        CREATE TABLE knex_migrations_lock (index serial PRIMARY KEY, is_locked integer);
        INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('20250101_init.js', 1, '2025-01-01');
        INSERT INTO knex_migrations_lock (is_locked) VALUES (1);""",
    "Sequelize": """
        CREATE TABLE "SequelizeMeta" (name varchar(255) NOT NULL PRIMARY KEY);
        INSERT INTO "SequelizeMeta" VALUES ('20250101-create-user.js');""",
    "TypeORM": """
        CREATE TABLE migrations (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL);
        INSERT INTO migrations ("timestamp", name) VALUES (1735689600000, 'Init1735689600000');""",
    "gormigrate": """
        CREATE SCHEMA gorm;
        CREATE TABLE gorm.migrations (id varchar(255) PRIMARY KEY);
        INSERT INTO gorm.migrations VALUES ('202501010000');""",
    "Diesel": """
        CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY,
          run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
        INSERT INTO __diesel_schema_migrations VALUES ('20250101000000', '2025-01-01');""",
    "sqitch": """
        CREATE SCHEMA sqitch;
        CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, script_hash text, change text NOT NULL,
          project text NOT NULL, note text NOT NULL DEFAULT '', committed_at timestamptz NOT NULL,
          committer_name text NOT NULL, committer_email text NOT NULL, planned_at timestamptz NOT NULL,
          planner_name text NOT NULL, planner_email text NOT NULL);
        CREATE TABLE sqitch.events (event text NOT NULL CHECK (event IN ('deploy', 'revert', 'fail', 'merge')),
          change_id text NOT NULL, change text NOT NULL, project text NOT NULL, committed_at timestamptz NOT NULL);
        INSERT INTO sqitch.changes VALUES ('c1', 'h', 'appschema', 'app', '', '2025-06-01 00:00+00', 'me', 'm',
          '2025-06-01', 'me', 'm');
        INSERT INTO sqitch.events VALUES ('deploy', 'c1', 'appschema', 'app', '2025-06-01 00:00+00'),
          ('fail', 'c2', 'users', 'app', '2025-06-02 00:00+00');""",
    "Atlas": """
        CREATE SCHEMA atlas_schema_revisions;
        CREATE TABLE atlas_schema_revisions.atlas_schema_revisions (version varchar NOT NULL PRIMARY KEY,
          description varchar NOT NULL, type bigint NOT NULL DEFAULT 2, applied bigint NOT NULL DEFAULT 0,
          total bigint NOT NULL DEFAULT 0, executed_at timestamptz NOT NULL, execution_time bigint NOT NULL,
          error text, error_stmt text, hash varchar NOT NULL, partial_hashes jsonb, operator_version varchar);
        INSERT INTO atlas_schema_revisions.atlas_schema_revisions VALUES
          ('20250101', 'init', 2, 3, 3, '2025-01-01 00:00+00', 1, NULL, NULL, 'h', NULL, 'v0.1'),
          ('20250102', 'users', 2, 1, 2, '2025-01-02 00:00+00', 1, 'pq: boom', 'ALTER', 'h', NULL, 'v0.1');""",
    "Drizzle": """
        CREATE SCHEMA drizzle;
        CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
        INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('9f1c2b', 1735776000000);""",
    "node-pg-migrate": """
        CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
        INSERT INTO pgmigrations (name, run_on) VALUES ('1735689600000_init', '2025-01-01');""",
    "Yoyo": """
        CREATE TABLE _yoyo_migration (migration_hash varchar(64) PRIMARY KEY, migration_id varchar(255),
          applied_at_utc timestamp);
        CREATE TABLE yoyo_lock (locked integer DEFAULT 1 NOT NULL PRIMARY KEY, ctime timestamp, pid integer NOT NULL);
        INSERT INTO _yoyo_migration VALUES ('h1', '0001_init', '2025-01-01 00:00');
        INSERT INTO yoyo_lock VALUES (1, '2025-01-01 00:00', 4242);""",
}

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
