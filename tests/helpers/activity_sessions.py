"""Real sessions for the activity tests: sleepers, idle transactions, the
four-session lock-queue chain, an advisory-lock wait, monitoring and plain roles.

Imported by the other test_activity_* modules (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tui.demo.cluster import LocalCluster


class SessionFarm:
    """Connections opened by a test, each tagged, all closed at the end."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.conns: list[psycopg.Connection[Any]] = []

    def open(self, app: str, **kwargs: Any) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.conninfo, autocommit=True, application_name=app, **kwargs)
        self.conns.append(conn)
        return conn

    def send(self, conn: psycopg.Connection[Any], query: str) -> None:
        """Start a statement without waiting for it (it may block on a lock)."""
        conn.pgconn.send_query(query.encode())

    def wait_until(self, admin: psycopg.Connection[Any], app: str, condition: str,
                   timeout: float = 10.0) -> None:
        """Until the session tagged `app` satisfies a pg_stat_activity condition."""
        deadline = time.monotonic() + timeout
        query = sql.SQL("SELECT 1 FROM pg_stat_activity WHERE application_name = %s AND ") + sql.SQL(condition)
        while time.monotonic() < deadline:
            if admin.execute(query, (app,)).fetchone():
                return
            time.sleep(0.05)
        raise AssertionError(f"{app} never satisfied {condition}")

    def pid(self, conn: psycopg.Connection[Any]) -> int:
        return conn.info.backend_pid

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.cancel_safe(timeout=2)
            except (psycopg.Error, AttributeError):
                pass
            try:
                conn.close()
            except psycopg.Error:
                pass


@pytest.fixture
def farm(pg_cluster: LocalCluster, pg_database: str) -> Iterator[SessionFarm]:
    farm = SessionFarm(pg_cluster.socket_conninfo(pg_database))
    yield farm
    farm.close()


@pytest.fixture
def admin(pg_cluster: LocalCluster, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        yield conn


def lock_chain(farm: SessionFarm, admin: psycopg.Connection[Any]) -> dict[str, int]:
    """A updates row 1 and idles in its transaction; B's update of row 1 waits for A;
    C queues for ACCESS EXCLUSIVE (blocked by A and B); D's plain SELECT waits behind C."""
    admin.execute("CREATE TABLE IF NOT EXISTS chain (id int PRIMARY KEY, v int)")
    admin.execute("INSERT INTO chain VALUES (1, 0) ON CONFLICT DO NOTHING")
    a, b, c, d = (farm.open(f"chain-{x}") for x in "abcd")
    a.execute("BEGIN")
    a.execute("UPDATE chain SET v = v + 1 WHERE id = 1")
    farm.send(b, "UPDATE chain SET v = v + 1 WHERE id = 1")
    farm.wait_until(admin, "chain-b", "wait_event_type = 'Lock'")
    farm.send(c, "BEGIN; LOCK TABLE chain IN ACCESS EXCLUSIVE MODE")
    farm.wait_until(admin, "chain-c", "wait_event_type = 'Lock'")
    farm.send(d, "SELECT * FROM chain")
    farm.wait_until(admin, "chain-d", "wait_event_type = 'Lock'")
    return {x: farm.pid(conn) for x, conn in zip("abcd", (a, b, c, d), strict=True)}


def advisory_wait(farm: SessionFarm, admin: psycopg.Connection[Any]) -> dict[str, int]:
    """E holds advisory lock 4242 (session level, idle); F waits for it."""
    e, f = farm.open("advisory-e"), farm.open("advisory-f")
    e.execute("SELECT pg_advisory_lock(4242)")
    farm.send(f, "SELECT pg_advisory_lock(4242)")
    farm.wait_until(admin, "advisory-f", "wait_event_type = 'Lock'")
    return {"e": farm.pid(e), "f": farm.pid(f)}


@pytest.fixture
def roles(pg_cluster: LocalCluster, pg_database: str) -> Iterator[dict[str, str]]:
    """A role with pg_monitor and a plain role, both able to log in over the socket."""
    suffix = uuid.uuid4().hex[:8]
    names = {"monitor": f"mon_{suffix}", "plain": f"plain_{suffix}"}
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE pg_monitor").format(sql.Identifier(names["monitor"])))
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(names["plain"])))
    yield names
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        for name in names.values():
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
