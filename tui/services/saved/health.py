"""The health pack's checks, run read-only: each returns its rows, or says why
it cannot (an older server, a missing extension, a missing privilege).

Blocking: call from a worker, or from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tui.db.roles import HEALTH, role_transaction
from tui.services.saved.files import SavedQuery, read_saved
from tui.services.saved.library import health_pack_path

MAX_ROWS = 1000


@dataclass
class HealthResult:
    """One check's outcome: columns and rows (values as the server's text), or why not."""

    query: SavedQuery
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    why_not: str | None = None

    @property
    def ok(self) -> bool:
        return self.why_not is None


def health_checks(version_num: int = 0) -> list[SavedQuery]:
    """The pack's checks written for this server_version_num (every one for 0)."""
    return [q for q in read_saved(health_pack_path(), "health").queries if q.runs_on(version_num)]


def extension_missing(conn: Any, name: str) -> str | None:
    """Why an extension a check needs is not usable here (and how to add it), or None."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = %s), "
                       "current_setting('shared_preload_libraries')", (name,))
        installed, preload = cursor.fetchone()
    if installed:
        return None
    loaded = name in [part.strip() for part in (preload or "").split(",")]
    steps = "" if loaded else f"add {name} to shared_preload_libraries (a restart), then "
    return f"{name} is not installed in this database: {steps}CREATE EXTENSION {name};"


def why_not_here(conn: Any, query: SavedQuery, version_num: int) -> str | None:
    """Why a saved query cannot run on this PostgreSQL server (written for other
    versions, an extension it needs is missing), or None. SQLite (version 0): None."""
    if version_num == 0:
        return None
    if not query.runs_on(version_num):
        return f"{query.name} is written for PostgreSQL {query.versions}, not {version_num // 10000}"
    return extension_missing(conn, query.needs) if query.needs else None


def run_check(conn: Any, query: SavedQuery, version_num: int) -> HealthResult:
    """Run one check in a READ ONLY transaction with the HEALTH role's timeouts."""
    import psycopg

    try:
        why_not = why_not_here(conn, query, version_num)
        if why_not:
            return HealthResult(query, why_not=why_not)
        with role_transaction(conn, HEALTH), conn.cursor() as cursor:
            cursor.execute(query.sql)
            columns = [d.name for d in cursor.description or ()]
            return HealthResult(query, columns, cursor.fetchmany(MAX_ROWS))
    except psycopg.errors.InsufficientPrivilege as exc:
        return HealthResult(query, why_not=f"not allowed: {exc.diag.message_primary} (grant pg_monitor to "
                                           "this role for the statistics views)")
    except psycopg.Error as exc:
        if conn.broken:
            raise
        return HealthResult(query, why_not=exc.diag.message_primary or str(exc).strip())
