"""The pane's other views (Locks, Statements, Tables, Indexes) and one
session's detail, fetched on the action connection when asked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from tui.services.activity.features import Features
from tui.services.activity.sessions import Session
from tui.sql import activity as q


@dataclass
class ViewRows:
    """Rows for one sub-view, or a note saying why there are none."""

    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def _rows(conn: psycopg.Connection[Any], query: Any, params: Any = None) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return cur.fetchall() if cur.description else []


def statements_schema(conn: psycopg.Connection[Any]) -> str | None:
    """Where pg_stat_statements is installed in this database, or None."""
    rows = _rows(conn, q.STATEMENTS_SCHEMA)
    return next(iter(rows[0].values())) if rows else None


def locks_view(conn: psycopg.Connection[Any], features: Features) -> ViewRows:
    cols = ["pid", "locktype", "mode", "granted", "target", "usename", "datname", "state", "query"]
    rows = features.run("locks", lambda: _rows(conn, q.LOCKS), [])
    return ViewRows(cols, rows, "" if features.enabled("locks") else features.off["locks"])


# The query text first (a queryid says nothing to a reader), then what it cost;
# the queryid last, for matching with logs or pg_stat_activity.query_id.
STATEMENT_COLUMNS = ["query", "calls", "total_ms", "mean_ms", "rows", "io_ms", "shared_blks_hit",
                     "shared_blks_read", "queryid"]


def statements_view(conn: psycopg.Connection[Any], version_num: int, features: Features,
                    order: str = "total_ms") -> ViewRows:
    """The top statements of pg_stat_statements by `order`, or a note saying why not."""
    cols = STATEMENT_COLUMNS
    if not features.enabled("statements"):
        return ViewRows(cols, note=features.off["statements"])
    schema = statements_schema(conn)
    if schema is None:
        return ViewRows(cols, note="pg_stat_statements is not installed in this database "
                        "(CREATE EXTENSION pg_stat_statements; it also needs shared_preload_libraries).")
    rows = features.run("statements", lambda: _rows(conn, q.statements_query(version_num, schema, order)), [])
    return ViewRows(cols, rows, features.off.get("statements", ""))


def tables_view(conn: psycopg.Connection[Any], features: Features) -> ViewRows:
    cols = ["schemaname", "relname", "total_bytes", "n_live_tup", "n_dead_tup", "last_vacuum",
            "last_analyze", "seq_scan", "idx_scan"]
    rows = features.run("tables", lambda: _rows(conn, q.TABLES), [])
    return ViewRows(cols, rows, features.off.get("tables", ""))


def indexes_view(conn: psycopg.Connection[Any], features: Features) -> ViewRows:
    """Indexes by size; `unused` when never scanned and not enforcing uniqueness."""
    cols = ["schemaname", "relname", "indexrelname", "bytes", "idx_scan", "flags"]
    rows = features.run("indexes", lambda: _rows(conn, q.INDEXES), [])
    for row in rows:
        flags = []
        if not row["idx_scan"] and not row["is_unique"]:
            flags.append("unused")
        if row["duplicate"]:
            flags.append("duplicate")
        row["flags"] = ", ".join(flags)
    return ViewRows(cols, rows, features.off.get("indexes", ""))


SUB_VIEWS = ("locks", "statements", "tables", "indexes")


def sub_view(conn: psycopg.Connection[Any], view: str, version_num: int, features: Features,
             statements_order: str = "total_ms") -> ViewRows:
    """One of the Activity sub-views (SUB_VIEWS) by name."""
    if view == "locks":
        return locks_view(conn, features)
    if view == "statements":
        return statements_view(conn, version_num, features, statements_order)
    if view == "tables":
        return tables_view(conn, features)
    if view == "indexes":
        return indexes_view(conn, features)
    raise ValueError(f"no sub-view {view!r}: one of {', '.join(SUB_VIEWS)}")


@dataclass
class SessionDetail:
    """Everything the detail view shows about one session."""

    session: Session
    locks: list[dict[str, Any]] = field(default_factory=list)
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    statement: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def session_detail(conn: psycopg.Connection[Any], session: Session, version_num: int,
                   features: Features) -> SessionDetail:
    """Locks held and awaited, any progress row, the pg_stat_statements row."""
    detail = SessionDetail(session=session)
    params = {"pid": session.pid}
    detail.locks = features.run("locks", lambda: _rows(conn, q.SESSION_LOCKS, params), [])
    for view, since in q.PROGRESS_VIEWS.items():
        if version_num < since or not features.enabled("progress"):
            continue
        rows = features.run("progress", lambda v=view: _rows(conn, q.progress_query(v), params), [])
        if rows:
            detail.progress[view] = rows[0]
    if session.query_id and features.enabled("statements"):
        schema = statements_schema(conn)
        if schema:
            rows = features.run("statements", lambda: _rows(
                conn, q.statements_query(version_num, schema, query_id=True), {"query_id": session.query_id}), [])
            detail.statement = rows[0] if rows else None
    elif version_num < 140000:
        detail.notes.append("query_id needs PostgreSQL 14 (compute_query_id).")
    detail.notes.extend(features.banner_parts())
    return detail
