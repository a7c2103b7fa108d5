"""Reading the database side: tracking tables (one catalog query), Alembic version
rows and each tool's summary. Only SELECTs: works on read-only profiles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def _is_sqlite(database: Database) -> bool:
    return database.info.kind == "sqlite"


def _sqlite_ident(*parts: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in parts if part != "main")


def _pg_fill(template: str, table: TableRef, lock: TableRef | None) -> Any:
    from psycopg import sql as pgsql

    # Templates have no other braces: `{t}`/`{lock}` become quoted identifiers.
    composed = pgsql.SQL(template).format(
        t=pgsql.Identifier(table.schema, table.name),
        lock=pgsql.Identifier(lock.schema, lock.name) if lock else pgsql.SQL("(SELECT 1) x"),
    )
    return composed


def _sqlite_read_only(database: Database) -> Any:
    """Our own mode=ro engine on the profile's file, whatever the profile says:
    this pane must never write, and mode=ro never creates a file. NullPool: no
    file handle outlives a query."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from tui.db.sqlite import sqlite_url

    return create_engine(sqlite_url(database.path.resolve(), read_only=True),  # type: ignore[attr-defined]
                         poolclass=NullPool)


def _query(database: Database, statement: Any, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    if _is_sqlite(database):
        from sqlalchemy import text

        engine = _sqlite_read_only(database)
        try:
            with engine.connect() as conn:
                return [dict(row._mapping) for row in conn.execute(text(statement), params or {})]
        finally:
            engine.dispose()
    from psycopg.rows import dict_row

    with database.conn.cursor(row_factory=dict_row) as cur:  # type: ignore[attr-defined]
        return list(cur.execute(statement, params).fetchall())


def tracking_tables(database: Database) -> list[TableRef]:
    """Every table that could be a tracking table: the one catalog query."""
    if _is_sqlite(database):
        columns: dict[str, list[str]] = {}
        for row in _query(database, sql.SQLITE_TRACKING_TABLES):
            columns.setdefault(row["name"], []).append(row["column_name"])
        return [TableRef("main", name, tuple(cols)) for name, cols in columns.items()
                if name in sql.TRACKING_TABLE_NAMES or cols == ["version_num"]]
    rows = _query(database, sql.TRACKING_TABLES, {"names": list(sql.TRACKING_TABLE_NAMES)})
    return [TableRef(row["schema"], row["name"], tuple(row["columns"])) for row in rows]


def alembic_tables(tables: list[TableRef]) -> list[TableRef]:
    """Tables whose only column is `version_num`: Alembic's, any name, any schema."""
    return [ref for ref in tables if ref.columns == ("version_num",)]


def read_version_table(database: Database, ref: TableRef) -> VersionTable:
    """The rows of one Alembic version table (several rows = several applied heads)."""
    try:
        if _is_sqlite(database):
            statement: Any = sql.ALEMBIC_VERSIONS.format(t=_sqlite_ident(ref.schema, ref.name))
        else:
            statement = _pg_fill(sql.ALEMBIC_VERSIONS, ref, None)
        rows = _query(database, statement)
    except Exception as exc:  # noqa: BLE001 - shown to the user, e.g. permission denied
        return VersionTable(ref.schema, ref.name, error=error_line(exc))
    return VersionTable(ref.schema, ref.name, tuple(str(row["version_num"]) for row in rows))


def other_tools(database: Database, tables: list[TableRef]) -> list[ToolStatus]:
    """Every other tool's tracking table found, with one summary query each."""
    found: list[ToolStatus] = []
    for spec, ref, lock in match_tools(tables):
        template = build_query(spec, lock)
        try:
            if _is_sqlite(database):
                statement: Any = template.replace("{t}", _sqlite_ident(ref.schema, ref.name)).replace(
                    "{lock}", _sqlite_ident(lock.schema, lock.name) if lock else "(SELECT 1)")
            else:
                statement = _pg_fill(template, ref, lock)
            rows = _query(database, statement)
            found.append(tool_status(spec, ref, rows[0] if rows else None))
        except Exception as exc:  # noqa: BLE001 - one unreadable table must not hide the others
            found.append(ToolStatus(spec.tool, ref.qualified, None, None, None, error=error_line(exc)))
    return found


def error_line(exc: BaseException) -> str:
    """An SQLAlchemy error's first line, without SQLAlchemy's wrapping."""
    return first_line(getattr(exc, "orig", None) or exc)
