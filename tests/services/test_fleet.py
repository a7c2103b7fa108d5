"""The fleet poller against real servers: databases of the suite's cluster, a
streaming replica, PgBouncer's admin console, an SQLite file, a host that
refuses and one that never answers."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.topology_rig import PgBouncer, Replica, plain_role_on
from psycopg import sql

from tui.demo.cluster import LocalCluster, free_port
from tui.profiles import Profile
from tui.secrets import PasswordVault
from tui.services.fleet import FleetError, FleetPoller, select_profiles


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture
def databases(pg_cluster: LocalCluster) -> Iterator[list[str]]:
    names = [f"fleet_{i:02d}" for i in range(14)]
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield names
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_twenty_profiles_one_row_each(pg_cluster: LocalCluster, pg_replica: Replica, pgbouncer: PgBouncer,
                                      databases: list[str], silent_server: int, tmp_path: Path,
                                      memory_keyring) -> None:  # type: ignore[no-untyped-def]
    sqlite_file = tmp_path / "app.db"
    with sqlite3.connect(sqlite_file) as conn:
        conn.execute("CREATE TABLE t (x)")
    profiles = [
        Profile(name=name, host=str(pg_cluster.socket_dir), port=pg_cluster.port, database=name,
                user=pg_cluster.superuser, password="none", group="app")
        for name in databases
    ]
    replica = pg_replica.cluster
    profiles += [
        Profile(name="replica", host=str(replica.socket_dir), port=replica.port, database="postgres",
                user=replica.superuser, password="none"),
        Profile(name="pooler", host="127.0.0.1", port=pgbouncer.port, database="pgbouncer",
                user=pgbouncer.user, password="keyring"),
        Profile(name="gone", host="127.0.0.1", port=free_port(), database="x", user="x", password="none"),
        Profile(name="hung", host="127.0.0.1", port=silent_server, database="x", user="x", password="none"),
        Profile(name="sqlite", driver="sqlite", path=str(sqlite_file)),
        Profile(name="via-pooler", host="127.0.0.1", port=pgbouncer.port, database=databases[0],
                user=pgbouncer.user, password="keyring", read_only=True, statement_timeout="2s"),
    ]
    vault = PasswordVault()
    for name in ("pooler", "via-pooler"):
        memory_keyring.set_password("bastion", name, pgbouncer.password)
    poller = FleetPoller(profiles, vault, timeout=2.0)
    try:
        started = time.monotonic()
        rows = {row.name: row for row in poller.poll()}
        first_poll = time.monotonic() - started
        time.sleep(0.3)
        rows = {row.name: row for row in poller.poll()}
    finally:
        poller.close()
    assert len(rows) == 20
    assert first_poll < 4.0  # the silent host costs its deadline, not one per server
    for name in databases:
        assert rows[name].status == "ok" and rows[name].role == "primary", rows[name]
        assert rows[name].version and rows[name].max_connections and rows[name].size
        assert rows[name].tps is not None and rows[name].group == "app"
    assert rows["replica"].role == "standby" and rows["replica"].status == "ok"
    assert rows["pooler"].role == "pooler" and rows["pooler"].status == "ok", rows["pooler"]
    assert rows["gone"].status == "error" and "refused" in rows["gone"].reason.lower()
    assert rows["hung"].status == "timeout"
    assert rows["sqlite"].role == "sqlite" and rows["sqlite"].status == "ok"
    assert rows["via-pooler"].status == "ok", rows["via-pooler"]  # options would be refused by PgBouncer
    # Pooler-safe: what the poller set ended with its transactions.
    for _ in range(5):
        with psycopg.connect(pgbouncer.conninfo(databases[0]), autocommit=True, prepare_threshold=None) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)


def test_a_plain_role_on_a_healthy_standby_is_not_receiver_down(pg_replica: Replica,
                                                                 memory_keyring) -> None:  # type: ignore[no-untyped-def]
    replica = pg_replica.cluster
    with plain_role_on(pg_replica) as role:
        profiles = [Profile(name=who, host=str(replica.socket_dir), port=replica.port, database="postgres",
                            user=user, password="none") for who, user in (("plain", role),
                                                                          ("super", replica.superuser))]
        poller = FleetPoller(profiles, PasswordVault(), timeout=5.0)
        try:
            rows = {row.name: row for row in poller.poll()}
        finally:
            poller.close()
    plain, superuser = rows["plain"], rows["super"]
    assert plain.status == "ok" and plain.role == "standby", plain
    assert plain.lag_s is None and plain.lag_note == "unknown"  # not 0, not "receiver down"
    assert plain.reason == "receiver running (details need pg_read_all_stats)"
    assert superuser.status == "ok" and superuser.lag_note == "" and superuser.reason == ""


def test_group_that_names_nothing() -> None:
    profiles = [Profile(name="a", group="eu"), Profile(name="b")]
    assert [p.name for p in select_profiles(profiles, "eu")] == ["a"]
    with pytest.raises(FleetError, match="No profile is in group 'us'. Groups in the profiles: eu."):
        select_profiles(profiles, "us")


def test_a_server_that_wants_a_password_is_never_asked_for_one(pg_cluster: LocalCluster, pg_database: str,
                                                               memory_keyring) -> None:  # type: ignore[no-untyped-def]
    profile = Profile(name="locked", host="127.0.0.1", port=pg_cluster.port, database=pg_database,
                      user=pg_cluster.superuser, password="keyring", sslmode="disable")
    poller = FleetPoller([profile], PasswordVault(), timeout=3.0)
    try:
        row = poller.poll()[0]
    finally:
        poller.close()
    assert row.status == "login" and row.reason == "needs a password: open the profile once to enter it"
