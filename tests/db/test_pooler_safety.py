"""bastion through a real PgBouncer in transaction pooling: no prepared
statements that vanish between transactions, no session state left for the
next client, and never a READ-ONLY badge the server does not back."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from helpers.browse_data import SETUP
from helpers.topology_rig import PGBOUNCER, PgBouncer
from psycopg import sql

from tui.db import open_database
from tui.db.reader import source_for
from tui.db.roles import ACTIVITY
from tui.profiles import Profile
from tui.screens.workspace import unapplied_settings
from tui.services.activity import ActivityMonitor
from tui.services.browse import KeysetPager, describe_relation
from tui.widgets.connection_header import header_text

# For the tests that start a PgBouncer of their own (the fixtures skip by themselves).
needs_pgbouncer = pytest.mark.skipif(
    not Path(PGBOUNCER).is_file(), reason="pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")


def pooled(pgbouncer: PgBouncer, database: str, **changes: object) -> Profile:
    return Profile(name="pooled", host="127.0.0.1", port=pgbouncer.port, database=database,
                   user=pgbouncer.user, password="keyring", sslmode="disable").with_changes(**changes)


def assert_plain_client_sees_defaults(pgbouncer: PgBouncer, database: str) -> None:
    for _ in range(5):
        with psycopg.connect(pgbouncer.conninfo(database), autocommit=True, prepare_threshold=None) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
            assert conn.execute("SHOW default_transaction_read_only").fetchone() == ("off",)


def test_activity_and_browse_through_pgbouncer(pgbouncer: PgBouncer, pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(SETUP)
    database = open_database(pooled(pgbouncer, pg_database, statement_timeout="5s"), pgbouncer.password)
    try:
        assert database.info.pooler == "pgbouncer"
        monitor = ActivityMonitor(lambda: database.connect(ACTIVITY), database.info, interval=0.5)
        try:
            with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as idle:
                idle.execute("SELECT 1")
                for i in range(30):  # psycopg would prepare from the 5th run on: "_pg3_0 does not exist"
                    monitor.include_idle = i >= 15  # then idle shown: the last refresh's idle sessions sent back
                    tick = monitor.tick()
                    assert not tick.banner, tick.banner
                assert idle.info.backend_pid in monitor.known.changes
        finally:
            monitor.close()
        source = source_for(database, "5s")
        try:
            pager = KeysetPager(source, describe_relation(source, "shop", "orders"), page_size=20)
            page = pager.first()
            for _ in range(20):
                assert page.rows
                page = pager.next() if not page.at_end else pager.first()
        finally:
            source.close()
    finally:
        database.close()
    assert_plain_client_sees_defaults(pgbouncer, pg_database)


def test_read_only_through_pgbouncer_is_never_a_false_badge(pgbouncer: PgBouncer, pg_database: str) -> None:
    profile = pooled(pgbouncer, pg_database, read_only=True)
    database = open_database(profile, pgbouncer.password)
    try:
        # PgBouncer 1.18 refused the startup options that carry read-only: the server
        # does not enforce it, and the header says so in red instead of READ-ONLY.
        assert not database.info.read_only
        header = str(header_text(profile, database.info))
        # Its console (the rig's user is in admin_users) tells the pool mode.
        assert "READ-ONLY NOT ENFORCED" in header and "via pgbouncer · transaction" in header
        database.reconnect()  # the link banner's reconnect: the header keeps the way in
        assert database.info.pooler == "pgbouncer" and database.info.pool_mode == "transaction"
    finally:
        database.close()
    assert_plain_client_sees_defaults(pgbouncer, pg_database)


def test_direct_read_only_is_enforced_and_shown(pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    profile = Profile(name="direct", host=str(pg_cluster.socket_dir), port=pg_cluster.port, database=pg_database,
                      user=pg_cluster.superuser, password="none", read_only=True)
    database = open_database(profile)
    try:
        assert database.info.read_only and database.info.pooler is None
        header = str(header_text(profile, database.info))
        assert " READ-ONLY " in header and "NOT ENFORCED" not in header
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            database.conn.execute("CREATE TABLE nope (x int)")  # type: ignore[attr-defined]
    finally:
        database.close()


async def test_activity_views_through_pgbouncer_leave_no_timeout(pgbouncer: PgBouncer, pg_database: str,
                                                                 memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from helpers.pilot import until

    from tui.app import BastionApp
    from tui.profiles import ProfileStore
    from tui.screens.workspace import WorkspaceScreen
    from tui.settings import Settings
    from tui.widgets.activity import ActivityPane

    memory_keyring.set_password("bastion", "pooled", pgbouncer.password)
    app = BastionApp(ProfileStore(None).load(), settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        app.connect(pooled(pgbouncer, pg_database))
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen), timeout=15)
        await pilot.press("4")
        await until(pilot, lambda: bool(app.screen.query(ActivityPane))
                    and app.screen.query_one(ActivityPane).last_tick is not None, timeout=15)
        pane = app.screen.query_one(ActivityPane)
        for key in ("l", "T", "I", "a"):
            await pilot.press(key)
            await pilot.pause(0.5)
        assert "failed" not in str(pane.query_one("#activity-status").render()).lower()
    assert_plain_client_sees_defaults(pgbouncer, pg_database)


def test_read_only_not_enforced_refuses_writes_itself(pgbouncer: PgBouncer, pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    from tui.services.query.guard import READ_ONLY_REFUSAL, Guard, run_guarded
    from tui.services.query.runner import open_session
    from tui.services.query.splitter import split_statements

    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE ledger (id int)")
    profile = pooled(pgbouncer, pg_database, read_only=True)
    database = open_database(profile, pgbouncer.password)
    session = open_session(database, 1000)
    guard = Guard(production=False, profile_name=profile.name, ask=lambda question: True,
                  read_only_unenforced=profile.read_only and not database.info.read_only)
    try:
        read, write, shaped = split_statements("SELECT count(*) FROM ledger; INSERT INTO ledger VALUES (1);"
                                               " WITH x AS (DELETE FROM ledger RETURNING 1) SELECT 1")
        assert run_guarded(session, read, guard).ok
        for statement in (write, shaped):
            outcome = run_guarded(session, statement, guard)
            assert outcome.declined and outcome.error is not None and outcome.error.message == READ_ONLY_REFUSAL
    finally:
        session.close()
        database.close()
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM ledger").fetchone() == (0,)


@needs_pgbouncer
def test_options_silently_dropped_are_noticed(pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    # Managed poolers often set ignore_startup_parameters = options: the connection
    # works and read-only is silently gone (an INSERT landed under a READ-ONLY badge).
    bouncer = PgBouncer(pg_cluster, ignore_startup_parameters="extra_float_digits,options").start()
    try:
        profile = pooled(bouncer, pg_database, read_only=True)
        database = open_database(profile, bouncer.password)
        try:
            # The dropped options said "a pooler?"; its admin console then said which, and how it pools.
            assert not database.info.read_only and database.info.pooler == "pgbouncer"
            assert database.info.pool_mode == "transaction"
            header = str(header_text(profile, database.info))
            assert "READ-ONLY NOT ENFORCED" in header and header.count("READ-ONLY") == 1
        finally:
            database.close()
    finally:
        bouncer.stop()


@needs_pgbouncer
def test_a_statement_timeout_or_search_path_silently_dropped_is_noticed(pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    # Not read-only, and a user the admin console refuses (as on a managed pooler):
    # only the session's own settings can tell that the startup options were dropped.
    user, secret = f"app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(user), sql.Literal(secret)))
    bouncer = PgBouncer(pg_cluster, ignore_startup_parameters="extra_float_digits,options",
                        users={user: secret}).start()
    try:
        for changes, lost in (({"statement_timeout": "5s"}, "statement_timeout"),
                              ({"search_path": "app, public"}, "search_path")):
            profile = pooled(bouncer, pg_database, user=user, **changes)
            database = open_database(profile, secret)
            try:
                assert database.info.statement_timeout == "0" and database.info.pooler == "a pooler?"
                assert unapplied_settings(profile, database.info) == lost
            finally:
                database.close()
    finally:
        bouncer.stop()
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(user)))
    # Straight to the server the same settings apply, written the server's own way: no false alarm.
    direct = Profile(name="direct", host=str(pg_cluster.socket_dir), port=pg_cluster.port, database=pg_database,
                     user=pg_cluster.superuser, password="none", statement_timeout="5000", search_path="app,public")
    database = open_database(direct)
    try:
        assert database.info.statement_timeout == "5s" and database.info.pooler is None
    finally:
        database.close()


def test_settings_a_pooler_kept_from_the_server_are_named(pgbouncer: PgBouncer, pg_database: str) -> None:
    profile = pooled(pgbouncer, pg_database, statement_timeout="5s", search_path="app")
    database = open_database(profile, pgbouncer.password)
    try:
        assert unapplied_settings(profile, database.info) == "statement_timeout, search_path"
    finally:
        database.close()


def test_pool_mode_from_the_console_rows() -> None:
    from tui.db.pgbouncer import pool_mode_from

    columns = ["name", "host", "pool_mode"]
    config = [("pool_mode", "session", "session", "yes")]
    assert pool_mode_from([("shop", "db1", "transaction")], columns, config, "shop") == "transaction"
    assert pool_mode_from([("shop", "db1", None)], columns, config, "shop") == "session"  # the default
    assert pool_mode_from([("*", "db1", "statement")], columns, config, "other") == "statement"  # wildcard
    assert pool_mode_from([], ["name"], [], "shop") == "unknown"  # an old PgBouncer that says nothing



def test_a_pooler_that_takes_the_options_is_still_named(pgbouncer: PgBouncer, pg_cluster, pg_database: str) -> None:  # type: ignore[no-untyped-def]
    # Nothing was refused or dropped (no read-only asked): the backend took the session
    # on the server's port, not the one dialled, and the console there says how it pools.
    database = open_database(pooled(pgbouncer, pg_database), pgbouncer.password)
    try:
        assert database.info.pooler == "pgbouncer" and database.info.pool_mode == "transaction"
    finally:
        database.close()
    # Dialled straight at the server over TCP: no pooler named, no console asked.
    direct = Profile(name="direct", host="127.0.0.1", port=pg_cluster.port, database=pg_database,
                     user=pgbouncer.user, password="keyring", sslmode="disable")
    database = open_database(direct, pgbouncer.password)
    try:
        assert database.info.pooler is None and database.info.server_port == pg_cluster.port
    finally:
        database.close()
