"""Reading the database side: tracking tables (one catalog query), Alembic version
rows and each tool's summary. Only SELECTs: works on read-only profiles."""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.base import Database
from tui.formatting import first_line
from tui.services.migrations.tools import (
    TableRef,
    ToolStatus,
    build_query,
    match_tools,
    tool_status,
)
from tui.sql import migrations as sql


@dataclass(frozen=True)
class VersionTable:
    """An Alembic version table and its rows (the current heads), or why not."""

    schema: str
    name: str
    rows: tuple[str, ...] = ()
    error: str | None = None

    @property
    def qualified(self) -> str:
        return self.name if self.schema in ("public", "main") else f"{self.schema}.{self.name}"


def _fill(database: Database, template: str, table: TableRef, lock: TableRef | None = None) -> str:
    """A template's `{t}` and `{lock}` (templates have no other braces) as the
    database quotes identifiers."""
    statement = template.replace("{t}", database.quote_table(table.schema, table.name))
    if lock is not None:
        statement = statement.replace("{lock}", database.quote_table(lock.schema, lock.name))
    return statement


def tracking_tables(database: Database) -> list[TableRef]:
    """Every table that could be a tracking table: the one catalog query."""
    if database.info.kind == "sqlite":
        columns: dict[str, list[str]] = {}
        for row in database.read_rows(sql.SQLITE_TRACKING_TABLES):
            columns.setdefault(row["name"], []).append(row["column_name"])
        return [TableRef("main", name, tuple(cols)) for name, cols in columns.items()
                if name in sql.TRACKING_TABLE_NAMES or cols == ["version_num"]]
    rows = database.read_rows(sql.TRACKING_TABLES, {"names": list(sql.TRACKING_TABLE_NAMES)})
    return [TableRef(row["schema"], row["name"], tuple(row["columns"])) for row in rows]


def alembic_tables(tables: list[TableRef]) -> list[TableRef]:
    """Tables whose only column is `version_num`: Alembic's, any name, any schema."""
    return [ref for ref in tables if ref.columns == ("version_num",)]


def read_version_table(database: Database, ref: TableRef) -> VersionTable:
    """The rows of one Alembic version table (several rows = several applied heads)."""
    try:
        rows = database.read_rows(_fill(database, sql.ALEMBIC_VERSIONS, ref))
    except Exception as exc:  # noqa: BLE001 - shown to the user, e.g. permission denied
        return VersionTable(ref.schema, ref.name, error=error_line(exc))
    return VersionTable(ref.schema, ref.name, tuple(str(row["version_num"]) for row in rows))


def other_tools(database: Database, tables: list[TableRef]) -> list[ToolStatus]:
    """Every other tool's tracking table found, with one summary query each."""
    found: list[ToolStatus] = []
    for spec, ref, lock in match_tools(tables):
        template = build_query(spec, lock)
        try:
            rows = database.read_rows(_fill(database, template, ref, lock))
            found.append(tool_status(spec, ref, rows[0] if rows else None))
        except Exception as exc:  # noqa: BLE001 - one unreadable table must not hide the others
            found.append(ToolStatus(spec.tool, ref.qualified, None, None, None, error=error_line(exc)))
    return found


def error_line(exc: BaseException) -> str:
    """An SQLAlchemy error's first line, without SQLAlchemy's wrapping."""
    return first_line(getattr(exc, "orig", None) or exc)
