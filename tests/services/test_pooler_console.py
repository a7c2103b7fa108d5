"""PgBouncer's admin console through a real PgBouncer in transaction pooling."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from helpers.topology_rig import PgBouncer, running

from tui.demo.cluster import LocalCluster
from tui.services.pooler import PoolerConsole, PoolerError, quote_name


def _console(pgbouncer: PgBouncer) -> PoolerConsole:
    return PoolerConsole(psycopg.connect(pgbouncer.conninfo("pgbouncer"), autocommit=True))


def test_snapshot_reads_every_section(pgbouncer: PgBouncer, pg_database: str) -> None:
    with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT 1")
        console = _console(pgbouncer)
        try:
            snap = console.snapshot()
        finally:
            console.close()
    assert snap.version.startswith("PgBouncer")
    assert not snap.missing
    pool = next(p for p in snap.pools if p.database == pg_database)
    assert pool.pool_mode == "transaction" and pool.cl_active >= 1
    assert pg_database in {row["database"] for row in snap.clients}
    assert {row["name"] for row in snap.databases} >= {"pgbouncer"}


def test_waiting_clients_show_when_paused(pgbouncer: PgBouncer, pg_database: str) -> None:
    console = _console(pgbouncer)
    with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT 1")  # the pool exists
    deadline = time.monotonic() + 10
    while pg_database not in {row["name"] for row in console.snapshot().databases}:
        assert time.monotonic() < deadline, "PgBouncer never listed the database"
        time.sleep(0.1)
    assert console.command("PAUSE", pg_database) == "PAUSE"
    done = threading.Event()

    def client() -> None:
        with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
            conn.execute("SELECT 1")
        done.set()

    worker = threading.Thread(target=client, daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        snap = console.snapshot()
        while snap.waiting_clients == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
            snap = console.snapshot()
        assert snap.waiting_clients >= 1
        assert pg_database in snap.paused_databases
        assert max(console.waiting_history) >= 1
        assert not done.is_set()
    finally:
        console.command("RESUME", pg_database)
        worker.join(10)
        console.close()
    assert done.is_set()


def test_commands_only_for_known_databases(pgbouncer: PgBouncer) -> None:
    console = _console(pgbouncer)
    try:
        with pytest.raises(PoolerError, match="no database"):
            console.command("PAUSE", 'x"; SHUTDOWN; --')
        with pytest.raises(PoolerError, match="Unknown pooler command"):
            console.command("SHUTDOWN", "pgbouncer")
    finally:
        console.close()
    assert quote_name('we"ird') == '"we""ird"'


def test_a_normal_database_is_not_a_console(pgbouncer: PgBouncer, pg_database: str) -> None:
    conn = psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None)
    console = PoolerConsole(conn)
    try:
        with pytest.raises(PoolerError, match="does not look like a PgBouncer admin console"):
            console.version()
    finally:
        console.close()


@pytest.fixture
def quick_idle_pgbouncer(pg_cluster: LocalCluster) -> Iterator[PgBouncer]:
    """A PgBouncer of this test's own that closes idle server connections after 1 s."""
    yield from running(PgBouncer(pg_cluster, settings={"server_idle_timeout": "1"}))


def test_an_idle_auto_database_can_be_paused(quick_idle_pgbouncer: PgBouncer, pg_database: str) -> None:
    """A database reached through the `*` entry drops out of SHOW DATABASES once its
    pool has no clients and no server connections (here after a 1 s server_idle_timeout;
    10 minutes by default), while SHOW POOLS still lists it and PgBouncer still takes
    PAUSE for it. bastion used to refuse it: 'PgBouncer has no database'."""
    bouncer = quick_idle_pgbouncer
    console = PoolerConsole(psycopg.connect(bouncer.conninfo("pgbouncer"), autocommit=True))
    try:
        with psycopg.connect(bouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
            conn.execute("SELECT 1")
        deadline = time.monotonic() + 20
        snap = console.snapshot()
        while pg_database in {row["name"] for row in snap.databases}:
            assert time.monotonic() < deadline, "the idle auto-database stayed in SHOW DATABASES"
            time.sleep(0.2)
            snap = console.snapshot()
        assert pg_database in {pool.database for pool in snap.pools}
        assert console.command("PAUSE", pg_database) == "PAUSE"
        assert pg_database in console.snapshot().paused_databases
        assert console.command("RESUME", pg_database) == "RESUME"
        assert pg_database not in console.snapshot().paused_databases
    finally:
        console.close()
