"""The activity services against a real PostgreSQL with real sessions."""
# ruff: noqa: F811  (the fixtures imported from test_activity_helpers are named as parameters)

from __future__ import annotations

import time
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from helpers.activity_sessions import SessionFarm, admin, advisory_wait, farm, lock_chain, roles  # noqa: F401

import tui.services.activity.monitor as monitor_module
from tui.db import open_database
from tui.db.postgres import PostgresDatabase
from tui.db.roles import ACTIVITY, ACTIVITY_ACTIONS, WORKSPACE
from tui.profiles import Profile
from tui.services.activity import (
    ActivityMonitor,
    SessionFilter,
    blocking_tree,
    refusal,
    root_blockers,
    signal_backend,
    sort_sessions,
)
from tui.services.activity.sessions import IDLE_IN_TX_ABORTED, Session, fetch_sessions
from tui.services.activity.views import (
    indexes_view,
    locks_view,
    session_detail,
    statements_view,
    sub_view,
    tables_view,
)
from tui.sql import activity as q


@pytest.fixture
def database(socket_profile: Profile):
    db = open_database(socket_profile)
    yield db
    db.close()


def monitor_for(db: PostgresDatabase) -> ActivityMonitor:
    monitor = ActivityMonitor(lambda: db.connect(ACTIVITY), db.info, interval=1.0)
    monitor.include_idle = True
    monitor.open()
    return monitor


def by_app(tick, app: str):
    return next(s for s in tick.snapshot.sessions if s.application_name == app)


def test_rows_show_sleeper_and_idle_transactions(database, farm: SessionFarm, admin) -> None:
    sleeper = farm.open("sleeper")
    farm.send(sleeper, "SELECT   pg_sleep(30)\n  -- nap")
    idle_tx = farm.open("idle-tx")
    idle_tx.execute("BEGIN")
    idle_tx.execute("SELECT 1")
    aborted = farm.open("aborted-tx")
    aborted.execute("BEGIN")
    with pytest.raises(psycopg.Error):
        aborted.execute("SELECT 1/0")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    monitor = monitor_for(database)
    tick = monitor.tick()
    row = by_app(tick, "sleeper")
    assert row.state == "active" and row.wait_event == "PgSleep"
    assert row.query_line == "SELECT pg_sleep(30) -- nap"
    assert row.key == (row.pid, row.backend_start) and row.is_client
    assert by_app(tick, "idle-tx").state == "idle in transaction"
    assert by_app(tick, "aborted-tx").state == IDLE_IN_TX_ABORTED
    assert tick.pulse.states[IDLE_IN_TX_ABORTED] >= 1  # the exact string, parentheses included
    assert monitor.pid not in {s.pid for s in tick.snapshot.sessions}  # own pid excluded
    assert tick.pulse.max_connections >= 10 and tick.banner == ""
    monitor.close()


def test_one_snapshot_one_time_so_the_sort_holds(database, farm: SessionFarm) -> None:
    # Sessions idle since nearly the same moment kept swapping places in the table
    # when each row carried its own clock_timestamp().
    pool = [farm.open(f"pool-{i}") for i in range(40)]
    for conn in pool:
        conn.execute("SELECT 1")
    monitor = monitor_for(database)
    monitor.include_idle = True
    snapshot = monitor.tick().snapshot
    assert len(snapshot.sessions) > 40
    assert {s.now for s in snapshot.sessions} == {snapshot.now}
    assert all(s.state_age is None or s.state_age >= 0 for s in snapshot.sessions)

    # The next refresh sends the idle sessions back: those that did nothing since come
    # as their pid only and keep their Session's facts at the new `now`; one that ran
    # a query comes in full, one that left is gone. The same as a full read.
    pool[0].execute("SELECT 2 AS busy")
    gone = pool[1].info.backend_pid
    pool[1].close()
    assert monitor.conn is not None
    deadline = time.monotonic() + 5
    while monitor.conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (gone,)).fetchone() != (0,):
        assert time.monotonic() < deadline  # the backend leaves once it has read the goodbye
        time.sleep(0.01)
    rows = monitor.conn.execute(q.sessions_query(database.info.version_num, known=True),
                                monitor.known.params()).fetchall()
    unchanged = {row[0] for row in rows if row[-1]}
    assert {conn.info.backend_pid for conn in pool[2:]} <= unchanged
    assert pool[0].info.backend_pid not in unchanged
    second = monitor.tick().snapshot
    full, _ = fetch_sessions(monitor.conn, database.info.version_num, include_idle=True)
    assert second.now is not None and snapshot.now is not None and second.now > snapshot.now
    assert {s.now for s in second.sessions} == {second.now}
    ours = {s.pid: s for s in second.sessions if (s.application_name or "").startswith("pool-")}
    theirs = {s.pid: s for s in full.sessions if (s.application_name or "").startswith("pool-")}
    assert ours.keys() == theirs.keys() and len(ours) == 39
    facts = [f.name for f in fields(Session) if f.name != "now"]
    assert all([getattr(ours[p], f) for f in facts] == [getattr(theirs[p], f) for f in facts] for p in ours)
    assert ours[pool[0].info.backend_pid].query == "SELECT 2 AS busy"
    assert all(s.state_age is not None and s.state_age >= 0 for s in ours.values())
    monitor.close()


def test_lock_queue_chain_tree(database, farm: SessionFarm, admin) -> None:
    pids = lock_chain(farm, admin)
    monitor = monitor_for(database)
    tick = monitor.tick()
    sessions = {s.pid: s for s in tick.snapshot.sessions}
    assert sessions[pids["d"]].blocked_by == (pids["c"],)  # blocked by the queued C, not by A
    assert set(sessions[pids["c"]].blocked_by) == {pids["a"], pids["b"]}
    assert sessions[pids["b"]].blocked_by == (pids["a"],)
    assert sessions[pids["a"]].blocked_by == ()  # not waiting: pg_blocking_pids not even called
    assert root_blockers(tick.snapshot.sessions) == [pids["a"]]
    tree = blocking_tree(tick.snapshot.sessions)
    edges = {(parent.pid, child.pid) for root in tree for _, parent in root.walk() for child in parent.waiters}
    assert edges == {(pids["a"], pids["b"]), (pids["a"], pids["c"]), (pids["b"], pids["c"]),
                     (pids["c"], pids["d"])}
    if database.info.version_num >= 140000:
        assert sessions[pids["d"]].wait_start is not None
    assert sessions[pids["d"]].wait_age is not None
    monitor.close()


def test_advisory_lock_wait(database, farm: SessionFarm, admin) -> None:
    pids = advisory_wait(farm, admin)
    tick = monitor_for(database).tick()
    assert {s.pid: s for s in tick.snapshot.sessions}[pids["f"]].blocked_by == (pids["e"],)
    assert [n.pid for n in blocking_tree(tick.snapshot.sessions)] == [pids["e"]]


def test_filters_and_sort(database, farm: SessionFarm, admin) -> None:
    farm.send(farm.open("sleeper"), "SELECT pg_sleep(30)")
    farm.open("idler").execute("SELECT 1")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    time.sleep(0.3)
    sessions = monitor_for(database).tick().snapshot.sessions
    apps = lambda f: {s.application_name for s in f.apply(sessions)}  # noqa: E731
    default = SessionFilter()
    assert "sleeper" in apps(default) and "idler" not in apps(default)
    assert "idler" in apps(SessionFilter(hide_idle=False))
    assert apps(default.with_text("pg_SLEEP")) == {"sleeper"}
    assert apps(default.with_text("app:sleep >0.1s")) == {"sleeper"}
    assert apps(default.with_text("app:sleep >1h")) == set()
    assert apps(SessionFilter(hide_idle=False).with_text("state:idle app:idl")) == {"idler"}
    own = frozenset({s.pid for s in sessions if s.application_name == "sleeper"})
    assert "" not in apps(default)  # background processes with no state count as idle
    assert "sleeper" not in {s.application_name for s in SessionFilter(hide_own=True).apply(sessions, own)}
    ordered = sort_sessions(SessionFilter(hide_idle=False).apply(sessions))
    assert ordered == sorted(ordered, key=lambda s: s.duration, reverse=True)


def test_cancel_terminate_and_pid_reuse(database, farm: SessionFarm, admin) -> None:
    sleeper = farm.open("sleeper")
    farm.send(sleeper, "SELECT pg_sleep(30)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    tick = monitor_for(database).tick()
    row = by_app(tick, "sleeper")
    actions = database.connect(WORKSPACE)
    own = frozenset({database.info.backend_pid, actions.info.backend_pid})
    # A changed backend_start means the pid now belongs to someone else.
    stale = signal_backend(actions, "cancel", row.pid, row.backend_start - timedelta(seconds=1), own)
    assert stale.sent is None and "another session" in stale.message
    result = signal_backend(actions, "cancel", row.pid, row.backend_start, own)
    assert result.sent is True
    farm.wait_until(admin, "sleeper", "state = 'idle'")
    result = signal_backend(actions, "terminate", row.pid, row.backend_start, own)
    assert result.sent is True
    deadline = time.monotonic() + 5
    while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (row.pid,)).fetchone():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    gone = signal_backend(actions, "terminate", row.pid, row.backend_start, own)
    assert gone.sent is None and "ended" in gone.message
    refused = signal_backend(actions, "cancel", database.info.backend_pid, None, own)
    assert refused.sent is None and "bastion's own" in refused.message
    actions.close()


def test_refuses_non_client_backends(database) -> None:
    tick = monitor_for(database).tick()
    worker = next(s for s in tick.snapshot.sessions if s.backend_type and not s.is_client)
    assert "not a client session" in (refusal(worker, frozenset()) or "")
    actions = database.connect(WORKSPACE)
    result = signal_backend(actions, "terminate", worker.pid, worker.backend_start, frozenset())
    assert result.sent is None and "not a client session" in result.message
    actions.close()


def _role_database(socket_profile: Profile, role: str) -> PostgresDatabase:
    db = open_database(socket_profile.with_changes(user=role))
    assert isinstance(db, PostgresDatabase)
    return db


def test_monitor_role_sees_everything(socket_profile: Profile, roles, farm: SessionFarm, admin) -> None:
    farm.send(farm.open("sleeper"), "SELECT pg_sleep(30)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    db = _role_database(socket_profile, roles["monitor"])
    tick = monitor_for(db).tick()
    assert by_app(tick, "sleeper").query == "SELECT pg_sleep(30)" and tick.banner == ""
    db.close()


def test_plain_role_banner_and_refusal(socket_profile: Profile, roles, farm: SessionFarm, admin) -> None:
    sleeper = farm.open("sleeper")
    farm.send(sleeper, "SELECT pg_sleep(30)")
    farm.wait_until(admin, "sleeper", "state = 'active'")
    db = _role_database(socket_profile, roles["plain"])
    monitor = monitor_for(db)
    tick = monitor.tick()
    row = by_app(tick, "sleeper")
    assert row.hidden and row.state is None and row.backend_start is None
    assert "pg_monitor" in tick.banner and roles["plain"] in tick.banner
    actions = db.connect(WORKSPACE)
    result = signal_backend(actions, "cancel", row.pid, row.backend_start, frozenset())
    assert result.sent is None and "hidden" in result.message
    actions.close()
    # Optional views that fail for privilege reasons switch off, once.
    monitor.tick()
    db.close()


def test_sub_views_and_detail(database, farm: SessionFarm, admin) -> None:
    admin.execute("CREATE TABLE chain (id int PRIMARY KEY, v int)")
    admin.execute("CREATE INDEX chain_v ON chain (v); CREATE INDEX chain_v2 ON chain (v)")
    pids = lock_chain(farm, admin)
    monitor = monitor_for(database)
    tick = monitor.tick()
    conn = database.connect(WORKSPACE)
    locks = locks_view(conn, monitor.features)
    assert any(r["pid"] == pids["c"] and not r["granted"] and r["mode"] == "AccessExclusiveLock"
               for r in locks.rows)
    statements = statements_view(conn, database.info.version_num, monitor.features)
    assert "not installed" in statements.note
    assert statements.columns[0] == "query" and statements.columns[-1] == "queryid"  # the text first
    assert any(r["relname"] == "chain" for r in tables_view(conn, monitor.features).rows)
    flags = {r["indexrelname"]: r["flags"] for r in indexes_view(conn, monitor.features).rows}
    assert "duplicate" in flags["chain_v"] and "unused" in flags["chain_v2"]
    d = {s.pid: s for s in tick.snapshot.sessions}[pids["d"]]
    detail = session_detail(conn, d, database.info.version_num, monitor.features)
    assert any(not lock["granted"] for lock in detail.locks)
    # The pane asks for a sub-view by its name.
    assert sub_view(conn, "tables", database.info.version_num, monitor.features).columns == \
        tables_view(conn, monitor.features).columns
    with pytest.raises(ValueError, match="no sub-view"):
        sub_view(conn, "nope", database.info.version_num, monitor.features)
    conn.close()


def test_pulse_rates_exclude_own_transactions(database, farm: SessionFarm) -> None:
    monitor = monitor_for(database)
    monitor.tick()
    worker = farm.open("writer")
    worker.execute("CREATE TABLE pulse_t (id int)")
    for i in range(50):
        worker.execute("INSERT INTO pulse_t VALUES (%s)", (i,))
    worker.close()  # a backend flushes its statistics when it exits
    time.sleep(0.3)
    tick = monitor.tick()
    assert tick.pulse.tps is not None and tick.pulse.own_tps is not None and tick.pulse.own_tps > 0
    assert tick.pulse.rates["tup_inserted"] > 0 and tick.pulse.cache_hit is not None
    assert len(monitor.pulse.active_history) == 2


def test_statements_columns_by_version() -> None:
    from tui.sql.activity import statements_columns

    assert statements_columns(120000)["total_ms"] == "total_time"
    assert "total_exec_time" in statements_columns(150000)["total_ms"]
    assert "shared_blk_read_time" in statements_columns(170000)["io_ms"]
    assert "blk_read_time" in statements_columns(160000)["io_ms"]


def _session(**kw: Any):
    from tui.services.activity.sessions import Session

    now = datetime(2026, 1, 1, 12, 0, 0)
    base = dict(pid=1, backend_start=now, datname="db", usename="u", application_name="a",
                client_addr=None, client_port=None, backend_type="client backend", state="active",
                wait_event_type=None, wait_event=None, xact_start=None, query_start=None,
                state_change=None, backend_xid=None, backend_xmin=None, leader_pid=None,
                query_id=None, query="", blocked_by=(), wait_start=None, now=now)
    base.update(kw)
    return Session(**base)


def test_tree_edge_cases() -> None:
    # pid 0 is a prepared transaction; a parallel worker counts as its leader.
    sessions = [_session(pid=10, wait_event_type="Lock", blocked_by=(0,)),
                _session(pid=11, backend_type="parallel worker", leader_pid=12),
                _session(pid=12),
                _session(pid=13, wait_event_type="Lock", blocked_by=(11,))]
    tree = blocking_tree(sessions)
    assert [(n.pid, [w.pid for w in n.waiters]) for n in tree] == [(0, [10]), (12, [13])]
    # a pure cycle still shows up
    cycle = [_session(pid=1, wait_event_type="Lock", blocked_by=(2,)),
             _session(pid=2, wait_event_type="Lock", blocked_by=(1,))]
    assert blocking_tree(cycle)[0].waiters[0].waiters[0].cycle


def test_features_switch_off_after_first_privilege_failure() -> None:
    from psycopg import errors

    from tui.services.activity.features import Features

    calls = []

    def denied() -> list[int]:
        calls.append(1)
        raise errors.InsufficientPrivilege("permission denied for view pg_stat_statements")

    features = Features()
    assert features.run("statements", denied, []) == []
    assert features.run("statements", denied, []) == []
    assert len(calls) == 1 and not features.enabled("statements")
    assert "permission denied" in features.banner_parts()[0]


def test_poller_statement_timeout_ends_with_its_transaction(database) -> None:
    # Behind a transaction pooler a session-level timeout would reach the next
    # client of the server connection (it did: 1600ms for a plain psql).
    monitor = monitor_for(database)
    seen: list[str] = []
    real_fetch = monitor_module.fetch_sessions

    def fetch(conn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(conn.execute("SHOW statement_timeout").fetchone()[0])
        return real_fetch(conn, *args, **kwargs)

    monitor_module.fetch_sessions = fetch
    try:
        monitor.tick()
        monitor.interval = 0.5
        monitor.tick()
    finally:
        monitor_module.fetch_sessions = real_fetch
    assert seen == ["800ms", "400ms"]  # below the interval while the sessions are read
    assert monitor.conn is not None
    assert monitor.conn.execute("SHOW statement_timeout").fetchone() == ("0",)  # and gone after
    assert monitor.conn.execute("SHOW application_name").fetchone() == ("bastion activity",)
    monitor.close()


def test_idle_sessions_stay_on_server_unless_blocking(database, farm: SessionFarm, admin) -> None:
    for i in range(3):
        farm.open(f"idler-{i}").execute("SELECT 1")
    pids = advisory_wait(farm, admin)  # E holds the lock and is plain idle
    monitor = monitor_for(database)
    everything = monitor.tick()
    monitor.include_idle = False
    lean = monitor.tick()
    apps = {s.application_name for s in lean.snapshot.sessions}
    assert not any(a and a.startswith("idler") for a in apps)
    assert pids["e"] in {s.pid for s in lean.snapshot.sessions}  # idle, but a root blocker
    assert lean.snapshot.idle_skipped >= 3
    assert lean.pulse.states["idle"] == everything.pulse.states["idle"]
    assert lean.pulse.total_sessions == everything.pulse.total_sessions


def test_action_connection_timeout_ends_with_each_use_and_reopens(database, admin) -> None:
    from tui.services.activity.actions import ActionConnection

    actions = ActionConnection(lambda: database.connect(ACTIVITY_ACTIONS))
    assert actions.pid is None  # opened on first use only
    assert actions.run(lambda c: c.execute("SHOW statement_timeout").fetchone()) == ("5s",)
    conn = actions.conn
    assert conn is not None and actions.pid == conn.info.backend_pid
    assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)  # gone after its transaction
    assert conn.execute("SHOW application_name").fetchone() == ("bastion activity actions",)
    conn.rollback()
    # The server dropped it during an outage; after the reconnect it is asked first, then reopened.
    admin.execute("SELECT pg_terminate_backend(%s)", (actions.pid,))
    actions.check_first = True
    assert actions.run(lambda c: c.execute("SELECT 1").fetchone()) == (1,)
    assert actions.conn is not conn and not actions.check_first
    actions.cancel()  # nothing runs: nothing to cancel
    actions.close()
    assert actions.conn is None and conn.closed
