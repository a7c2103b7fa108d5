"""The topology rig itself: a real PgBouncer in transaction pooling and a real
streaming replica, as the pooler and replica tests rely on them."""

from __future__ import annotations

import psycopg
import pytest
from helpers.topology_rig import PgBouncer, Replica
from psycopg import sql


def test_pgbouncer_pools_transactions(pgbouncer: PgBouncer, pg_database: str) -> None:
    with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    pools = pgbouncer.admin("SHOW POOLS")
    assert any(row["database"] == pg_database and row["pool_mode"] == "transaction" for row in pools)


def test_pgbouncer_rejects_startup_options_by_default(pgbouncer: PgBouncer, pg_database: str) -> None:
    # What a profile relying on `options` (read-only, timeouts) meets behind PgBouncer 1.18.
    with pytest.raises(psycopg.OperationalError, match="unsupported startup parameter"):
        psycopg.connect(pgbouncer.conninfo(pg_database, options="'-c default_transaction_read_only=on'"))


def test_replica_streams_from_the_primary(pg_replica: Replica) -> None:
    table = sql.Identifier("rig_answer")
    with psycopg.connect(pg_replica.primary.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} AS SELECT 42 AS answer").format(table))
    pg_replica.wait_caught_up()
    with psycopg.connect(pg_replica.cluster.socket_conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        assert conn.execute(sql.SQL("SELECT answer FROM {}").format(table)).fetchone() == (42,)
        status = conn.execute("SELECT status FROM pg_stat_wal_receiver").fetchone()
        assert status == ("streaming",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute(sql.SQL("INSERT INTO {} VALUES (1)").format(table))
