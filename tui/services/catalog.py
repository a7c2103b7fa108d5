"""What the catalog sidebar shows: schemas and their relations."""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.base import Database
from tui.sql import catalog as sql

KIND_NAMES = {"r": "table", "p": "partitioned", "v": "view", "m": "matview", "f": "foreign",
              "table": "table", "view": "view"}


@dataclass(frozen=True)
class CatalogEntry:
    """One node of the tree: a schema or a relation."""

    name: str
    kind: str  # "schema", "table", "view", ...
    estimate: int | None = None  # row estimate (reltuples), never count(*)


def schemas(database: Database) -> list[CatalogEntry]:
    """Top level: schemas for PostgreSQL; for SQLite, its tables and views directly."""
    if database.info.kind == "sqlite":
        return _sqlite_relations(database)
    from psycopg.rows import dict_row  # imported here: keeps start-up fast

    with database.conn.cursor(row_factory=dict_row) as cur:  # type: ignore[attr-defined]
        rows = cur.execute(sql.SCHEMAS).fetchall()
    return [CatalogEntry(r["name"], "schema", r["relations"]) for r in rows]


def relations(database: Database, schema: str) -> list[CatalogEntry]:
    """The tables, views and matviews of one schema."""
    from psycopg.rows import dict_row

    with database.conn.cursor(row_factory=dict_row) as cur:  # type: ignore[attr-defined]
        rows = cur.execute(sql.RELATIONS_IN_SCHEMA, {"schema": schema}).fetchall()
    return [
        CatalogEntry(r["name"], KIND_NAMES.get(r["kind"], r["kind"]),
                     r["estimate"] if r["estimate"] is not None and r["estimate"] >= 0 else None)
        for r in rows
    ]


def _sqlite_relations(database: Database) -> list[CatalogEntry]:
    from sqlalchemy import text

    with database.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text(sql.SQLITE_RELATIONS)).all()
    return [CatalogEntry(r.name, KIND_NAMES.get(r.kind, r.kind)) for r in rows]


def compact_count(value: int | None) -> str:
    """1234567 -> '1.2M': short enough for a sidebar."""
    if value is None:
        return ""
    for limit, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if value >= limit:
            number = value / limit
            return f"{number:.1f}{suffix}" if number < 10 else f"{number:.0f}{suffix}"
    return str(value)
