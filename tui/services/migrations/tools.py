"""Other migration tools: which tracking tables are here, and what they say.

Matching needs the table name AND the columns (a `migrations` table is TypeORM's
only with id/timestamp/name). Each hit costs one summary query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tui.db.base import Row
from tui.sql import migrations as sql

Columns = frozenset[str]


@dataclass(frozen=True)
class TableRef:
    """A table found by the catalog query."""

    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def qualified(self) -> str:
        return self.name if self.schema in ("public", "main") else f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class ToolSpec:
    """How to recognise one tool's table and summarise it."""

    tool: str
    table: str
    required: Columns
    query: str  # template with {t} and optionally {lock}
    lock_table: str | None = None
    failed_text: str = "{n} failed"
    failed_label: str = "FAILED"  # short, for the table
    match: Callable[[TableRef, set[tuple[str, str]]], bool] | None = None
    only_columns: bool = False  # the table has exactly the required columns


@dataclass(frozen=True)
class ToolStatus:
    """One detected tool, as the pane lists it."""

    tool: str
    table: str
    applied: int | None
    latest: str | None
    latest_at: str | None
    problem: str | None = None  # failed / dirty / stuck lock, for a person
    problem_label: str | None = None  # the same in a word: FAILED, DIRTY, LOCKED…
    error: str | None = None  # the summary query itself failed


def _has(columns: str) -> Columns:
    return frozenset(columns.split())


def _schema_has(table: str) -> Callable[[TableRef, set[tuple[str, str]]], bool]:
    return lambda ref, names: (ref.schema, table) in names


def _schema_lacks(table: str) -> Callable[[TableRef, set[tuple[str, str]]], bool]:
    return lambda ref, names: (ref.schema, table) not in names


_FLYWAY = sql.summary_sql(
    applied="SELECT count(*) FROM {t} WHERE success AND type NOT IN ('DELETE', 'UNDO_SQL', 'UNDO_JDBC', "
            "'UNDO_SCRIPT')",
    failed="SELECT count(*) FROM {t} WHERE NOT success",
    name="coalesce(version, '') || ' ' || description", at="installed_on", order="installed_rank")

# Order matters: the first spec that matches a table wins (schema_migrations variants).
SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("Flyway", "flyway_schema_history", _has("installed_rank version description type script checksum "
                                                     "installed_on success"), _FLYWAY,
             failed_text="{n} failed migration(s) (success = false): fix, then flyway repair"),
    ToolSpec("Flyway (before v5)", "schema_version", _has("installed_rank version description type script "
                                                          "installed_on success"), _FLYWAY,
             failed_text="{n} failed migration(s) (success = false): fix, then flyway repair"),
    ToolSpec("Liquibase", "databasechangelog", _has("id author filename dateexecuted orderexecuted exectype"),
             sql.summary_sql(
                 applied="SELECT count(*) FROM {t} WHERE exectype IN ('EXECUTED', 'RERAN', 'MARK_RAN')",
                 failed="SELECT count(*) FROM {t} WHERE exectype IN ('FAILED', 'SKIPPED')",
                 locked="{lock_count}", name="id || ' (' || filename || ')'", at="dateexecuted",
                 order="orderexecuted"),
             lock_table="databasechangeloglock", failed_text="{n} changeset(s) FAILED or SKIPPED"),
    ToolSpec("Django", "django_migrations", _has("id app name applied"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="app || '.' || name", at="applied", order="id")),
    ToolSpec("golang-migrate", "schema_migrations", _has("version dirty"), sql.summary_sql(
        applied="SELECT NULL", failed="SELECT count(*) FROM {t} WHERE dirty", name="version", order="version"),
        failed_text="dirty: the last migration failed half-way; fix it, then `migrate force VERSION`",
        failed_label="DIRTY"),
    ToolSpec("Ecto", "schema_migrations", _has("version inserted_at"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="version", at="inserted_at", order="version")),
    ToolSpec("Rails", "schema_migrations", _has("version"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="version", order="version"),
        match=_schema_has("ar_internal_metadata")),
    ToolSpec("dbmate", "schema_migrations", _has("version"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="version", order="version"),
        match=_schema_lacks("ar_internal_metadata"), only_columns=True),
    ToolSpec("goose", "goose_db_version", _has("id version_id is_applied tstamp"), sql.summary_sql(
        applied="SELECT count(*) FROM {t} g WHERE g.is_applied AND g.version_id > 0 "
                "AND g.id = (SELECT max(h.id) FROM {t} h WHERE h.version_id = g.version_id)",
        name="version_id", at="tstamp", order="id",
        where="WHERE is_applied AND version_id > 0 AND id = (SELECT max(h.id) FROM {t} h "
              "WHERE h.version_id = {t}.version_id)")),
    ToolSpec("Prisma", "_prisma_migrations", _has("id checksum finished_at migration_name rolled_back_at "
                                                  "started_at"), sql.summary_sql(
        applied="SELECT count(*) FROM {t} WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
        failed="SELECT count(*) FROM {t} WHERE finished_at IS NULL AND rolled_back_at IS NULL",
        name="migration_name", at="coalesce(finished_at, started_at)", order="started_at"),
        failed_text="{n} migration(s) unfinished (error in `logs`): prisma migrate resolve",
        failed_label="UNFINISHED"),
    ToolSpec("Knex", "knex_migrations", _has("id name batch migration_time"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", locked="{lock_count}", name="name", at="migration_time",
        order="id"), lock_table="knex_migrations_lock"),
    ToolSpec("Sequelize", "SequelizeMeta", _has("name"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="name", order="name")),
    ToolSpec("TypeORM", "migrations", _has("id timestamp name"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="name", at="timestamp", order="id")),
    ToolSpec("gormigrate", "migrations", _has("migration_id"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="migration_id", order="migration_id"), only_columns=True),
    ToolSpec("gormigrate", "migrations", _has("id"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="id", order="id"), only_columns=True),
    ToolSpec("Diesel", "__diesel_schema_migrations", _has("version run_on"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="version", at="run_on", order="version")),
    ToolSpec("sqitch", "changes", _has("change_id change project committed_at script_hash"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", failed="{fail_count}", name="change", at="committed_at",
        order="committed_at"), lock_table="events",
        failed_text="the latest sqitch event is a failed deploy"),
    ToolSpec("Atlas", "atlas_schema_revisions", _has("version description applied total executed_at error"),
             sql.summary_sql(
                 applied="SELECT count(*) FROM {t} WHERE applied = total AND error IS NULL",
                 failed="SELECT count(*) FROM {t} WHERE applied < total OR error IS NOT NULL",
                 name="version || ' ' || description", at="executed_at", order="version"),
             failed_text="{n} revision(s) partially applied or with an error", failed_label="PARTIAL"),
    ToolSpec("Drizzle", "__drizzle_migrations", _has("id hash created_at"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="hash", at="created_at", order="created_at")),
    ToolSpec("node-pg-migrate", "pgmigrations", _has("id name run_on"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", name="name", at="run_on", order="id")),
    ToolSpec("Yoyo", "_yoyo_migration", _has("migration_hash migration_id applied_at_utc"), sql.summary_sql(
        applied="SELECT count(*) FROM {t}", locked="{lock_count}", name="migration_id", at="applied_at_utc",
        order="applied_at_utc"), lock_table="yoyo_lock"),
)

# What each lock table's "held" count is: the lock sub-queries.
LOCK_COUNTS = {
    "databasechangeloglock": "SELECT count(*) FROM {lock} WHERE locked",
    "knex_migrations_lock": "SELECT count(*) FROM {lock} WHERE is_locked = 1",
    "yoyo_lock": "SELECT count(*) FROM {lock}",
}
SQITCH_FAIL = "SELECT count(*) FROM (SELECT event FROM {lock} ORDER BY committed_at DESC LIMIT 1) e " \
              "WHERE e.event = 'fail'"
LOCK_TEXT = {
    "Liquibase": "changelog lock held (locked = true): stale unless a deploy is running; "
                 "liquibase releaseLocks",
    "Knex": "migration lock held (is_locked = 1): stale unless a migration is running; knex migrate:unlock",
    "Yoyo": "a row in yoyo_lock: stale unless yoyo is running; yoyo break-lock",
}


def match_tools(tables: list[TableRef]) -> list[tuple[ToolSpec, TableRef, TableRef | None]]:
    """Each table that is some tool's tracking table, with its lock table if present."""
    names = {(ref.schema, ref.name) for ref in tables}
    by_name = {(ref.schema, ref.name): ref for ref in tables}
    hits: list[tuple[ToolSpec, TableRef, TableRef | None]] = []
    for ref in tables:
        columns = frozenset(ref.columns)
        for spec in SPECS:
            if spec.table != ref.name or not spec.required <= columns:
                continue
            if spec.only_columns and columns != spec.required:
                continue
            if spec.match and not spec.match(ref, names):
                continue
            lock = by_name.get((ref.schema, spec.lock_table)) if spec.lock_table else None
            hits.append((spec, ref, lock))
            break
    return hits


def build_query(spec: ToolSpec, lock: TableRef | None) -> str:
    """The summary template with the lock sub-queries filled (or 0 without a lock table)."""
    lock_count = LOCK_COUNTS.get(spec.lock_table or "", "SELECT 0") if lock else "SELECT 0"
    fail_count = SQITCH_FAIL if lock and spec.tool == "sqitch" else "SELECT 0"
    return spec.query.replace("{lock_count}", lock_count).replace("{fail_count}", fail_count)


def format_when(value: object) -> str | None:
    """Timestamps as `YYYY-MM-DD HH:MM`; epoch milliseconds (TypeORM, Drizzle) converted."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int | float) and value > 1e11:
        return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%d %H:%M")
    text = str(value)
    return text[:16] if len(text) >= 16 and text[4:5] == "-" else text


def tool_status(spec: ToolSpec, ref: TableRef, row: Row | None) -> ToolStatus:
    """A ToolStatus from the summary row."""
    row = row or {}
    failed = int(row.get("failed") or 0)
    locked = int(row.get("locked") or 0)
    problems, labels = [], []
    if failed:
        problems.append(spec.failed_text.format(n=failed))
        labels.append(spec.failed_label)
    if locked:
        problems.append(LOCK_TEXT.get(spec.tool, "lock held"))
        labels.append("LOCKED")
    applied = row.get("applied")
    latest = row.get("latest")
    if spec.tool == "golang-migrate" and latest is not None:
        latest = f"version {latest}"
    return ToolStatus(
        tool=spec.tool, table=ref.qualified,
        applied=int(applied) if applied is not None else None,
        latest=str(latest) if latest is not None else None,
        latest_at=format_when(row.get("latest_at")),
        problem="; ".join(problems) or None,
        problem_label=", ".join(labels) or None,
    )
