"""Replication facts against a real primary and its streaming standby."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from helpers.topology_rig import Replica, plain_role_on
from psycopg import sql

from tui.services.replication import changed_settings, replication_report


def _version(conn: psycopg.Connection) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0])  # type: ignore[index]


@pytest.fixture
def primary(pg_replica: Replica) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_replica.primary.socket_conninfo(), autocommit=True) as conn:
        yield conn


@pytest.fixture
def standby(pg_replica: Replica) -> Iterator[psycopg.Connection]:
    with psycopg.connect(pg_replica.cluster.socket_conninfo(), autocommit=True) as conn:
        yield conn


def _until(condition, seconds: float = 15):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_standby_streaming_and_caught_up(pg_replica: Replica, primary: psycopg.Connection,
                                         standby: psycopg.Connection) -> None:
    primary.execute("CREATE TABLE IF NOT EXISTS repl_probe (n int)")
    primary.execute("INSERT INTO repl_probe VALUES (1)")
    pg_replica.wait_caught_up()
    report = replication_report(standby, _version(standby))
    assert report.in_recovery and report.standby is not None
    assert report.standby.streaming and report.standby.lag_known
    assert report.standby.replay_behind_bytes == 0
    assert "receiver streaming" in report.standby.summary()
    primary_report = replication_report(primary, _version(primary))
    assert not primary_report.in_recovery
    assert [s.state for s in primary_report.standbys] == ["streaming"]


def test_a_plain_role_sees_a_running_receiver_not_a_stopped_one(pg_replica: Replica) -> None:
    # pg_stat_wal_receiver hides every column but pid from a role without pg_read_all_stats.
    with plain_role_on(pg_replica) as role, \
            psycopg.connect(pg_replica.cluster.socket_conninfo().replace(
                f"user={pg_replica.cluster.superuser}", f"user={role}"), autocommit=True) as conn:
        status = replication_report(conn, _version(conn)).standby
    assert status is not None and status.details_hidden and status.receiver_pid
    assert not status.lag_known and not status.streaming
    assert status.summary() == "receiver running (details need pg_read_all_stats): lag unknown"


def test_stopped_receiver_is_not_lag_zero(pg_replica: Replica, primary: psycopg.Connection,
                                          standby: psycopg.Connection) -> None:
    # Point the standby at nothing: its receiver stops and cannot come back.
    original = standby.execute("SHOW primary_conninfo").fetchone()[0]  # type: ignore[index]
    standby.execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'")
    standby.execute("SELECT pg_reload_conf()")
    try:
        _until(lambda: standby.execute("SELECT count(*) FROM pg_stat_wal_receiver "
                                       "WHERE status = 'streaming'").fetchone() == (0,))
        primary.execute("CREATE TABLE IF NOT EXISTS repl_probe (n int)")
        primary.execute("INSERT INTO repl_probe SELECT generate_series(1, 1000)")
        status = replication_report(standby, _version(standby)).standby
        assert status is not None
        assert not status.lag_known
        assert status.receiver_status != "streaming"
        assert "behind" not in status.summary()  # never "0 B behind" from a receiver that is down
    finally:
        standby.execute(sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(sql.Literal(original)))
        standby.execute("SELECT pg_reload_conf()")
        _until(lambda: standby.execute("SELECT count(*) FROM pg_stat_wal_receiver "
                                       "WHERE status = 'streaming'").fetchone() == (1,))
        pg_replica.wait_caught_up()


def test_paused_replay_is_reported(pg_replica: Replica, standby: psycopg.Connection) -> None:
    standby.execute("SELECT pg_wal_replay_pause()")
    try:
        status = _until(lambda: (s := replication_report(standby, _version(standby)).standby) and s.replay_paused
                        and s)
        assert "replay PAUSED" in status.summary()
    finally:
        standby.execute("SELECT pg_wal_replay_resume()")


def test_inactive_slot_retaining_wal_is_a_danger(primary: psycopg.Connection) -> None:
    primary.execute("SELECT pg_create_physical_replication_slot('forgotten_standby', true)")
    try:
        primary.execute("CREATE TABLE IF NOT EXISTS repl_probe (n int)")
        primary.execute("INSERT INTO repl_probe SELECT generate_series(1, 1000)")
        report = replication_report(primary, _version(primary))
        slot = next(s for s in report.slots if s.name == "forgotten_standby")
        assert not slot.active and (slot.retained_bytes or 0) > 0
        assert slot.wal_status == "reserved"
        assert [s.name for s, _ in report.slot_dangers] == ["forgotten_standby"]
        assert "inactive, retaining" in (slot.danger or "")
    finally:
        primary.execute("SELECT pg_drop_replication_slot('forgotten_standby')")


def test_changed_settings_name_their_source(standby: psycopg.Connection) -> None:
    settings = {s.name: s for s in changed_settings(standby)}
    # The rig starts the server with -c port=… and writes primary_conninfo to postgresql.auto.conf.
    assert settings["port"].source == "command line"
    assert settings["primary_conninfo"].origin.endswith("postgresql.auto.conf:3") or \
        settings["primary_conninfo"].origin.endswith("postgresql.auto.conf")


def test_activity_pulse_says_lag_unknown_when_the_receiver_is_down(pg_replica: Replica,
                                                                    standby: psycopg.Connection) -> None:
    from tui.db.postgres import probe
    from tui.services.activity import ActivityMonitor
    from tui.widgets.activity.pulse_header import replication_text

    def connect() -> psycopg.Connection:
        return psycopg.connect(pg_replica.cluster.socket_conninfo(), autocommit=True)

    with connect() as conn:
        info = probe(conn)
    monitor = ActivityMonitor(connect, info)
    original = standby.execute("SHOW primary_conninfo").fetchone()[0]  # type: ignore[index]
    try:
        assert replication_text(monitor.tick().pulse).startswith("standby, replay lag")
        standby.execute("ALTER SYSTEM SET primary_conninfo = 'host=127.0.0.1 port=1 connect_timeout=1'")
        standby.execute("SELECT pg_reload_conf()")
        _until(lambda: standby.execute("SELECT count(*) FROM pg_stat_wal_receiver "
                                       "WHERE status = 'streaming'").fetchone() == (0,))
        # Before: receive == replay read as "replay lag 0.0s" with nothing arriving.
        assert replication_text(monitor.tick().pulse) == "standby, WAL receiver down: lag unknown"
    finally:
        monitor.close()
        standby.execute(sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(sql.Literal(original)))
        standby.execute("SELECT pg_reload_conf()")
        _until(lambda: standby.execute("SELECT count(*) FROM pg_stat_wal_receiver "
                                       "WHERE status = 'streaming'").fetchone() == (1,))


def test_a_write_on_a_standby_says_why(pg_replica: Replica) -> None:
    from tui.db import open_database
    from tui.profiles import Profile
    from tui.services.query.runner import open_session
    from tui.services.query.splitter import split_statements
    from tui.services.query.standby import standby_hint

    replica = pg_replica.cluster
    database = open_database(Profile(name="standby", host=str(replica.socket_dir), port=replica.port,
                                     database="postgres", user=replica.superuser, password="none"))
    session = open_session(database, 100)
    try:
        outcome = session.run(split_statements("CREATE TABLE nope (x int)")[0])
        assert outcome.error is not None and outcome.error.sqlstate == "25006"
        hint = standby_hint(outcome.error.sqlstate, outcome.error.message, database.info.in_recovery)
        assert hint is not None and "this server is a standby" in hint
        assert standby_hint("25006", outcome.error.message, in_recovery=False) is None
    finally:
        session.close()
        database.close()


def test_activity_pulse_on_a_healthy_standby_read_by_a_plain_role(pg_replica: Replica) -> None:
    """pg_stat_wal_receiver hides all but pid from a role without pg_read_all_stats:
    that is not "receiver down", and the lag is unknown, not 0."""
    from tui.db.postgres import probe
    from tui.services.activity import ActivityMonitor
    from tui.widgets.activity.pulse_header import replication_text

    with plain_role_on(pg_replica) as role:
        def connect() -> psycopg.Connection:
            return psycopg.connect(pg_replica.cluster.socket_conninfo() + f" user={role}", autocommit=True)

        with connect() as conn:
            info = probe(conn)
        monitor = ActivityMonitor(connect, info)
        try:
            pulse = monitor.tick().pulse
        finally:
            monitor.close()
    assert replication_text(pulse) == "standby, receiver running (details need pg_read_all_stats): lag unknown"
    assert pulse.replay_lag_s is None
