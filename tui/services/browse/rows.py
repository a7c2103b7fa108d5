"""One row in full: for the value viewer, copying, and foreign-key jumps."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from psycopg import sql

from tui.db.reader import Source
from tui.services.browse.relation import RelationInfo
from tui.services.browse.structure import ForeignKey


def full_row(source: Source, relation: RelationInfo, key: tuple[Any, ...]) -> list[str | None] | None:
    """Every column of the row with this paging key, uncut, as text (None = NULL)."""
    if not relation.key:  # a view paged by OFFSET may still show its base table's key
        return None
    if source.dialect == "sqlite":
        cols = [sql.SQL("CASE WHEN typeof({c}) = 'blob' THEN 'x''' || hex({c}) || '''' "
                        "ELSE CAST({c} AS TEXT) END").format(c=sql.Identifier(c.name)) for c in relation.columns]
    else:
        cols = [sql.SQL("{}::text").format(sql.Identifier(c.name)) for c in relation.columns]
    keys = [sql.SQL(k) if k in ("ctid", "tableoid", "rowid") and relation.key_mode in ("ctid", "rowid")
            else sql.Identifier(k) for k in relation.key]
    # The pager's key tuple may start with a sort column: the key is its tail.
    values = key[-len(relation.key):]
    params = {f"k{i}": v for i, v in enumerate(values)}
    query = sql.SQL("SELECT {} FROM {} WHERE ({}) = ({})").format(
        sql.SQL(", ").join(cols), relation.identifier, sql.SQL(", ").join(keys),
        sql.SQL(", ").join(source.param(f"k{i}") for i in range(len(values))))
    rows = source.rows(query, params)
    return list(rows[0]) if rows else None


def _json_value(value: str | None, column_type: str, category: str) -> Any:
    if value is None:
        return None
    if category == "N":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() and "." not in value else float(number)
    if category == "B" or column_type == "boolean":
        return value in ("t", "true", "1")
    if column_type in ("json", "jsonb"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def row_as_json(relation: RelationInfo, values: list[str | None]) -> str:
    """{"column": value, ...}: numbers, booleans and JSON keep their JSON types."""
    data = {c.name: _json_value(v, c.type, c.category) for c, v in zip(relation.columns, values, strict=True)}
    return json.dumps(data, ensure_ascii=False, default=str)


def row_as_insert(relation: RelationInfo, values: list[str | None], dialect: str = "postgresql") -> str:
    """INSERT INTO "schema"."table" (...) VALUES (...); each value cast to its column's type."""
    literals = []
    for column, value in zip(relation.columns, values, strict=True):
        if value is None:
            literals.append("NULL")
        elif column.numeric and dialect == "sqlite":
            literals.append(value)
        elif dialect == "sqlite":
            literals.append(sql.Literal(value).as_string(None))
        else:
            literals.append(f"{sql.Literal(value).as_string(None)}::{column.type}")
    names = ", ".join(sql.Identifier(c.name).as_string(None) for c in relation.columns)
    return f"INSERT INTO {relation.identifier.as_string(None)} ({names}) VALUES ({', '.join(literals)});"


def jump_target(relation: RelationInfo, fks: list[ForeignKey], column: str,
                values: list[str | None]) -> tuple[ForeignKey, dict[str, str]] | None:
    """The outgoing FK on `column` and the referenced row's column values, or None
    (no FK on that column, or a NULL in the row's FK columns)."""
    by_name = dict(zip([c.name for c in relation.columns], values, strict=True))
    for fk in fks:
        if fk.outgoing and column in fk.from_columns:
            target = {to: by_name[src] for src, to in zip(fk.from_columns, fk.to_columns, strict=True)}
            if any(v is None for v in target.values()):
                return None
            return fk, target  # type: ignore[return-value]
    return None
