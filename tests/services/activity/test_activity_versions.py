"""The activity services on every PostgreSQL major of the suite's matrix (12 to 17:
the machine's own servers, the others fetched by helpers/pg_versions.py), each
in a cluster with pg_stat_statements preloaded when the server ships it."""
# ruff: noqa: F811  (the fixtures imported from test_activity_helpers are named as parameters)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from helpers.activity_sessions import SessionFarm, advisory_wait, lock_chain
from helpers.major_clusters import MajorClusters, major_id, matrix_majors, preloads_statements

from tui.db import open_database
from tui.db.postgres import PostgresDatabase
from tui.db.roles import ACTIVITY, WORKSPACE
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.activity import ActivityMonitor, blocking_tree, signal_backend
from tui.services.activity.views import session_detail, statements_view


@pytest.fixture(scope="module", params=matrix_majors(), ids=major_id)
def cluster(request: pytest.FixtureRequest, major_clusters: MajorClusters) -> LocalCluster:
    cluster = major_clusters.get(request.param)
    with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS act")
        conn.execute("CREATE DATABASE act")
    return cluster


@pytest.fixture
def setup(cluster: LocalCluster) -> Iterator[tuple[PostgresDatabase, SessionFarm, psycopg.Connection[Any]]]:
    profile = Profile(name="v", host=str(cluster.socket_dir), port=cluster.port, database="act",
                      user=cluster.superuser, password="none")
    db = open_database(profile)
    assert isinstance(db, PostgresDatabase)
    farm = SessionFarm(cluster.socket_conninfo("act"))
    admin = psycopg.connect(cluster.socket_conninfo("act"), autocommit=True)
    admin.execute("DROP TABLE IF EXISTS chain")
    yield db, farm, admin
    farm.close()
    admin.close()
    db.close()


def test_tree_on_every_major(setup) -> None:
    db, farm, admin = setup
    chain = lock_chain(farm, admin)
    advisory = advisory_wait(farm, admin)
    monitor = ActivityMonitor(lambda: db.connect(ACTIVITY), db.info)
    tick = monitor.tick()
    edges = {(p.pid, c.pid) for root in blocking_tree(tick.snapshot.sessions)
             for _, p in root.walk() for c in p.waiters}
    assert (chain["c"], chain["d"]) in edges and (chain["a"], chain["d"]) not in edges
    assert (advisory["e"], advisory["f"]) in edges
    waiting = {s.pid: s for s in tick.snapshot.sessions}[chain["d"]]
    assert (waiting.wait_start is not None) == (db.info.version_num >= 140000)
    # Idle shown: from the second refresh on, unchanged idle sessions come as a pid only.
    monitor.include_idle = True
    first = {s.pid: s for s in monitor.tick().snapshot.sessions}
    assert advisory["e"] in monitor.known.changes  # idle, holding the advisory lock
    second = {s.pid: s for s in monitor.tick().snapshot.sessions}
    assert second[advisory["e"]].state == "idle" and second[advisory["e"]].query == first[advisory["e"]].query
    assert second[advisory["e"]].now > first[advisory["e"]].now and second[chain["d"]].blocked_by
    monitor.close()


def test_cancel_and_pid_reuse_on_every_major(setup) -> None:
    db, farm, admin = setup
    sleeper = farm.open("sleeper")
    farm.send(sleeper, "SELECT pg_sleep(30)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    tick = ActivityMonitor(lambda: db.connect(ACTIVITY), db.info).tick()
    row = next(s for s in tick.snapshot.sessions if s.application_name == "sleeper")
    actions = db.connect(WORKSPACE)
    assert signal_backend(actions, "cancel", row.pid, None, frozenset()).sent is None
    assert signal_backend(actions, "cancel", row.pid, row.backend_start, frozenset()).sent is True
    actions.close()


def test_statements_on_every_major(setup, cluster: LocalCluster) -> None:
    db, farm, admin = setup
    monitor = ActivityMonitor(lambda: db.connect(ACTIVITY), db.info)
    conn = db.connect(WORKSPACE)
    if not preloads_statements(cluster):
        assert "not installed" in statements_view(conn, db.info.version_num, monitor.features).note
        pytest.skip("this server ships no pg_stat_statements")
    admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    sleeper = farm.open("sleeper")
    for _ in range(3):
        sleeper.execute("SELECT pg_sleep(0.01)")
    farm.send(sleeper, "SELECT pg_sleep(0.01)")
    view = statements_view(conn, db.info.version_num, monitor.features)
    assert view.note == "" and any("pg_sleep" in r["query"] for r in view.rows)
    assert all(r["total_ms"] is not None for r in view.rows)
    farm.send(farm.open("long"), "SELECT pg_sleep(20.5)")  # numeric, like 0.01: same query_id
    farm.wait_until(admin, "long", "state = 'active'")
    tick = monitor.tick()
    row = next(s for s in tick.snapshot.sessions if s.application_name == "long")
    detail = session_detail(conn, row, db.info.version_num, monitor.features)
    if db.info.version_num >= 140000:
        assert row.query_id and detail.statement is not None and detail.statement["calls"] >= 3
    conn.close()
    monitor.close()
