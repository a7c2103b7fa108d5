"""The health pack on the suite's server, as a role with pg_monitor and nothing
else: every check returns rows or says why not, read-only."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql

from tui.demo.cluster import LocalCluster
from tui.services.saved.health import health_checks, run_check

FIXTURE = """
CREATE TABLE posts (id serial PRIMARY KEY, author int, title text, body text);
CREATE INDEX posts_author ON posts (author);
CREATE INDEX posts_author_again ON posts (author);
CREATE SEQUENCE tiny AS smallint MAXVALUE 100;
SELECT setval('tiny', 90);
INSERT INTO posts (author, title, body) SELECT g % 7, 'post ' || g, repeat('x', 200) FROM generate_series(1, 2000) g;
DELETE FROM posts WHERE id % 2 = 0;
ANALYZE posts;
"""


def test_every_check_returns_or_says_why_not_as_a_pg_monitor_role(pg_cluster: LocalCluster, pg_database: str) -> None:
    role = f"health_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as admin:
        admin.execute(FIXTURE)
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE pg_monitor").format(sql.Identifier(role)))
        admin.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(role)))
    try:
        with psycopg.connect(pg_cluster.socket_conninfo(pg_database) + f" user={role}", autocommit=True) as conn:
            version = conn.info.server_version
            checks = health_checks(version)
            assert len(checks) >= 12 and all(check.advice and check.description for check in checks)
            results = {check.name: run_check(conn, check, version) for check in checks}
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)  # per transaction only
    finally:
        with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    failed = {name: r.why_not for name, r in results.items() if not r.ok}
    assert set(failed) == {"health.top_statements"}, failed  # the suite's server has no pg_stat_statements
    assert "pg_stat_statements is not installed" in failed["health.top_statements"]
    assert "shared_preload_libraries" in failed["health.top_statements"]
    duplicates = results["health.duplicate_indexes"]
    assert [row[:3] for row in duplicates.rows] == [("public", "posts", "posts_author, posts_author_again")]
    sequences = {row[1]: row for row in results["health.sequences_near_max"].rows}
    assert str(sequences["tiny"][5]) == "89.90"
    bloat = {row[1]: row for row in results["health.table_bloat"].rows}
    assert float(bloat["posts"][4]) > 30  # half the rows deleted, not vacuumed
    unused = [row[2] for row in results["health.unused_indexes"].rows]
    assert "posts_author" in unused and "posts_pkey" not in unused
    assert results["health.database_sizes"].rows and results["health.xid_wraparound"].rows
    assert results["health.cache_hit_databases"].columns[-1] == "hit_percent"


def test_checks_for_another_version_are_left_out() -> None:
    assert "health.top_statements.pg12" in {q.name for q in health_checks(120011)}
    assert "health.top_statements.pg12" not in {q.name for q in health_checks(170002)}
    assert "health.top_statements" in {q.name for q in health_checks(170002)}
