"""The health pack on every PostgreSQL major of the suite's matrix (12 to 17, see
helpers/pg_versions.py), as a role with pg_monitor and nothing else: every check
returns rows or says why not, read-only; with pg_stat_statements, the top
statements return rows."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from helpers.major_clusters import MajorClusters, major_id, matrix_majors, preloads_statements
from psycopg import sql

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


@pytest.mark.parametrize("major", matrix_majors(), ids=major_id)
def test_every_check_returns_or_says_why_not_as_a_pg_monitor_role(major: int, major_clusters: MajorClusters) -> None:
    cluster = major_clusters.get(major)
    # A database and a role of this test's own; the cluster is removed at the end of the session.
    database, role = (f"health_{uuid.uuid4().hex[:8]}" for _ in range(2))
    with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE pg_monitor").format(sql.Identifier(role)))
    with psycopg.connect(cluster.socket_conninfo(database), autocommit=True) as admin:
        admin.execute(FIXTURE)
        admin.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(sql.Identifier(role)))
        with psycopg.connect(cluster.socket_conninfo(database) + f" user={role}", autocommit=True) as conn:
            version = conn.info.server_version
            checks = health_checks(version)
            assert len(checks) >= 12 and all(check.advice and check.description for check in checks)
            results = {check.name: run_check(conn, check, version) for check in checks}
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)  # per transaction only
            failed = {name: r.why_not for name, r in results.items() if not r.ok}
            top = next(name for name in results if name.startswith("health.top_statements"))
            assert set(failed) == {top}, failed  # no extension in this database yet
            assert "pg_stat_statements is not installed" in failed[top]
            # The step the server still needs: shared_preload_libraries, unless it is loaded.
            assert ("shared_preload_libraries" in failed[top]) != preloads_statements(cluster)
            if preloads_statements(cluster):
                admin.execute("CREATE EXTENSION pg_stat_statements")
                statements = run_check(conn, next(c for c in checks if c.name == top), version)
                assert statements.ok and statements.rows, statements.why_not
                assert statements.columns == ["calls", "total_ms", "mean_ms", "rows", "percent", "query"]
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
