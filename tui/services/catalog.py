"""What the catalog sidebar shows: schemas, their objects, search across all.

One catalog query per tree level (schemas; one schema's objects; one
partitioned table's partitions), never one per object.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.base import Database, Row
from tui.sql import catalog as sql

KIND_NAMES = {"r": "table", "p": "partitioned", "v": "view", "m": "matview", "f": "foreign",
              "S": "sequence", "table": "table", "view": "view", "index": "index",
              "trigger": "trigger", "function": "function", "procedure": "procedure"}

# Kinds whose rows the Browse tab can show.
BROWSABLE = frozenset({"table", "partitioned", "view", "matview", "foreign"})


@dataclass(frozen=True)
class CatalogEntry:
    """One node of the tree: a schema or an object in one."""

    name: str
    kind: str  # "schema", "table", "partitioned", "view", "matview", ...
    estimate: int | None = None  # row estimate (reltuples), never count(*)
    schema: str | None = None  # None for schemas themselves and for SQLite
    size: int | None = None  # total bytes (table + indexes + TOAST)
    has_children: bool = False  # a partitioned table: partitions under it
    size_estimated: bool = False  # from pg_class.relpages: the table was locked

    @property
    def browsable(self) -> bool:
        return self.kind in BROWSABLE


def _rows(database: Database, query: str, params: dict[str, object]) -> list[Row]:
    # With a short lock_timeout: the sidebar never waits on an application's lock.
    return database.catalog_rows(query, params)


def _rows_with_sizes(database: Database, query: str, params: dict[str, object]) -> list[Row]:
    """Exact sizes, but for tables locked right now (estimated); if a lock was
    taken in between and the query gave up, estimated sizes for all."""
    from psycopg import errors  # imported here: keeps start-up fast

    try:
        return _rows(database, query, {**params, "exact_sizes": True})
    except errors.LockNotAvailable:
        return _rows(database, query, {**params, "exact_sizes": False})


def _entry(row: Row, schema: str | None) -> CatalogEntry:
    estimate = row.get("estimate")
    return CatalogEntry(
        row["name"], KIND_NAMES.get(row["kind"], row["kind"]),
        estimate if estimate is not None and estimate >= 0 else None,  # -1: never analysed
        row.get("schema", schema), row.get("size"), bool(row.get("has_children")),
        bool(row.get("size_estimated")),
    )


def schemas(database: Database, show_system: bool = False) -> list[CatalogEntry]:
    """Top level: schemas for PostgreSQL; for SQLite, its objects directly."""
    if database.info.kind == "sqlite":
        return _sqlite_objects(database)
    rows = _rows(database, sql.SCHEMAS, {"show_system": show_system})
    return [CatalogEntry(r["name"], "schema", r["relations"]) for r in rows]


def relations(database: Database, schema: str) -> list[CatalogEntry]:
    """Tables, views, matviews, foreign tables, sequences and routines of a schema."""
    return [_entry(r, schema) for r in _rows_with_sizes(database, sql.RELATIONS_IN_SCHEMA, {"schema": schema})]


def partitions(database: Database, schema: str, name: str) -> list[CatalogEntry]:
    """The partitions of one partitioned table."""
    rows = _rows_with_sizes(database, sql.PARTITIONS_OF, {"schema": schema, "name": name})
    return [_entry(r, schema) for r in rows]


def search(database: Database, needle: str, show_system: bool = False,
           limit: int = 100) -> list[CatalogEntry]:
    """Relations whose name contains `needle`, across every schema, best first."""
    if database.info.kind == "sqlite":
        lowered = needle.lower()
        return [e for e in _sqlite_objects(database) if lowered in e.name.lower()][:limit]
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = _rows(database, sql.SEARCH_RELATIONS, {
        "pattern": f"%{escaped}%", "needle": needle, "show_system": show_system, "limit": limit})
    return [_entry(r, None) for r in rows]


def _sqlite_objects(database: Database) -> list[CatalogEntry]:
    rows = database.catalog_rows(sql.SQLITE_OBJECTS)
    return [CatalogEntry(r["name"], KIND_NAMES.get(r["kind"], r["kind"])) for r in rows]


def compact_count(value: int | None) -> str:
    """1234567 -> '1.2M': short enough for a sidebar."""
    if value is None:
        return ""
    for limit, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            number = value / limit
            return f"{number:.1f}{suffix}" if number < 10 else f"{number:.0f}{suffix}"
    return str(value)
