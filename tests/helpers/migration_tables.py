"""Other migration tools' tracking tables, created with (close to) each tool's own DDL."""

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
