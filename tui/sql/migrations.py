"""Catalog SQL for the migrations pane: one query finds Alembic version tables and
every other tool's tracking table; summary templates take `{t}`-style identifiers
filled with psycopg.sql.Identifier (PostgreSQL) or quoted names (SQLite)."""

# Every tracking-table name we know, matched with its columns in Python.
TRACKING_TABLE_NAMES = (
    "flyway_schema_history", "schema_version", "databasechangelog", "databasechangeloglock",
    "django_migrations", "schema_migrations", "ar_internal_metadata", "goose_db_version",
    "_prisma_migrations", "knex_migrations", "knex_migrations_lock", "SequelizeMeta", "migrations",
    "__diesel_schema_migrations", "changes", "events", "atlas_schema_revisions",
    "__drizzle_migrations", "pgmigrations", "_yoyo_migration", "yoyo_lock",
)

# Tables (and views excluded) whose names we know, plus any table with one single
# column `version_num`: Alembic's, wherever env.py put it and whatever its name.
TRACKING_TABLES = """
SELECT n.nspname AS schema, c.relname AS name,
       array_agg(a.attname::text ORDER BY a.attnum) AS columns
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'
GROUP BY n.nspname, c.relname, c.oid
HAVING c.relname = ANY(%(names)s)
    OR (count(*) = 1 AND bool_and(a.attname = 'version_num'))
ORDER BY n.nspname, c.relname
"""

SQLITE_TRACKING_TABLES = """
SELECT 'main' AS schema, m.name AS name, p.name AS column_name
FROM sqlite_master m
JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, p.cid
"""

ALEMBIC_VERSIONS = "SELECT version_num FROM {t} ORDER BY version_num"

# One summary query per detected tool: applied count, failed/dirty count, latest
# migration and when, stuck-lock count. Portable between PostgreSQL and SQLite
# (booleans are 0/1 there, so `WHERE flag` and `NOT flag` work on both).
_SUMMARY = """
SELECT ({applied}) AS applied, ({failed}) AS failed, ({locked}) AS locked,
       latest.name AS latest, latest.at AS latest_at
FROM (SELECT 1 AS one) one
LEFT JOIN (SELECT {name} AS name, {at} AS at FROM {{t}} {where} ORDER BY {order} DESC LIMIT 1) latest ON 1 = 1
"""


def summary_sql(applied: str, failed: str = "0", locked: str = "0", name: str = "NULL", at: str = "NULL",
                order: str = "1", where: str = "") -> str:
    """A summary query template for one tool; `{t}` is its table, `{lock}` its lock table."""
    return _SUMMARY.format(applied=applied, failed=failed, locked=locked, name=name, at=at,
                           order=order, where=where)
