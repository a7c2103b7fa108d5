"""The demo database: created and filled once, recognised on later runs.

The data itself is generated server-side by the SQL files in `seed_sql/`, run in
name order inside one transaction, so an interrupted seed leaves nothing behind
and the next run simply seeds again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

DEMO_DBNAME = "bastion_demo"

# Bump when the seed SQL changes: an older demo database is then dropped and re-seeded.
SEED_VERSION = 1

# The revision the seeded schema corresponds to (see alembic/versions/); the
# two revisions after it are pending on purpose.
APPLIED_REVISION = "6c0d2e8f4a17"

SQL_DIR = Path(__file__).with_name("seed_sql")

Conninfo = Mapping[str, Any]


def seed_marker(version: int = SEED_VERSION) -> str:
    """The database comment that says the demo database is complete."""
    return f"bastion demo database (seed version {version})"


def demo_database_state(admin: psycopg.Connection[Any]) -> str:
    """'seeded', 'stale' (other seed version or unfinished) or 'missing'."""
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (DEMO_DBNAME,),
    ).fetchone()
    if row is None:
        return "missing"
    return "seeded" if row[0] == seed_marker() else "stale"


def seed_files() -> list[Path]:
    """The seed SQL files, in the order they run."""
    return sorted(SQL_DIR.glob("*.sql"))


def seed_demo_database(conninfo: Conninfo, progress: Callable[[str], None] = lambda _msg: None) -> None:
    """(Re)create the demo database from scratch and fill it.

    `conninfo` reaches the server as a superuser; its dbname is ignored.
    """
    admin_info = {**conninfo, "dbname": "postgres"}
    with psycopg.connect(**admin_info, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DEMO_DBNAME)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(DEMO_DBNAME)
            )
        )

    with psycopg.connect(**{**conninfo, "dbname": DEMO_DBNAME}) as conn:
        # FK triggers off while loading: the generator only produces valid keys,
        # and checking a million rows one by one would double the seed time.
        conn.execute("SET session_replication_role = replica")
        for path in seed_files():
            progress(f"  {path.stem.split('_', 1)[1].replace('_', ' ')} …")
            conn.execute(path.read_text(encoding="utf-8"))
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("INSERT INTO public.alembic_version VALUES (%s)", (APPLIED_REVISION,))
        conn.commit()

        conn.autocommit = True
        progress("  statistics …")
        conn.execute("VACUUM (ANALYZE)")
        # Written last: a database without this comment is re-seeded next time.
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(DEMO_DBNAME), sql.Literal(seed_marker())
            )
        )


def ensure_extension(conninfo: Conninfo, name: str) -> bool:
    """CREATE EXTENSION in the demo database when the server offers it."""
    with psycopg.connect(**{**conninfo, "dbname": DEMO_DBNAME}, autocommit=True) as conn:
        available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)).fetchone()
        if available:
            conn.execute(sql.SQL("CREATE EXTENSION IF NOT EXISTS {}").format(sql.Identifier(name)))
        return available is not None


def forget_seed_statements(conninfo: Conninfo) -> None:
    """Reset pg_stat_statements, so the statements pane starts with the workload,
    not with the seed's giant INSERTs."""
    with psycopg.connect(**{**conninfo, "dbname": DEMO_DBNAME}, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_statements_reset()")
