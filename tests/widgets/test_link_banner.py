"""A session that survives the link: bastion's backends and the server itself are
killed mid-query; the banner counts down, reconnects, and nothing typed is lost."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.clusters import database_named, throwaway_cluster
from helpers.link_banner import banner_of, banner_shown, banner_text, make_app, wait_until

from tui.db import ConnectFailure, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.screens.workspace import WorkspaceScreen
from tui.services.query.runner import open_session
from tui.services.query.splitter import split_statements
from tui.widgets import link_banner
from tui.widgets.activity import ActivityPane
from tui.widgets.browse import BrowsePane
from tui.widgets.link_banner import LinkBanner, server_answered
from tui.widgets.query.pane import QueryPane, outcome_summary

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SLEEPING = "select pg_sleep(30)"


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[LocalCluster]:
    """A server of this module's own, to stop and start again (never the shared one)."""
    with throwaway_cluster("bastion-link-pg-") as cluster:
        yield cluster


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LinkBanner, "backoff_seconds", (0.3,))


@pytest.fixture
def slow_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt far away: the test presses f4 to skip the wait."""
    monkeypatch.setattr(LinkBanner, "backoff_seconds", (300,))
    monkeypatch.setattr(LinkBanner, "retry_seconds", 300)






def terminate_backends(conninfo: str, database: str) -> int:
    """pg_terminate_backend on every session of `database` (bastion's), from an admin connection."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall()
    return len(rows)


def sleeping_on_server(conninfo: str, database: str) -> bool:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # The editor streams through a cursor: the FETCH sleeps, not the DECLARE.
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = %s",
                           (database,)).fetchone()
    return bool(row and row[0])








def messages_of(app) -> str:
    return "\n".join(str(line.text) for line in app.screen.query_one("#query-messages").lines)


async def open_query_pane(pilot, profile: Profile) -> QueryPane:
    await pilot.app.push_screen(WorkspaceScreen(profile, open_database(profile)))
    await pilot.press("2")
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(QueryPane)), what="query pane")
    return pilot.app.screen.query_one(QueryPane)


async def start_sleeping(pilot, pane: QueryPane, conninfo: str, database: str) -> None:
    pane.editor.text = SLEEPING
    pane.editor.cursor_location = (0, 0)
    await pilot.press("ctrl+j")
    for _ in range(200):
        if await asyncio.to_thread(sleeping_on_server, conninfo, database):
            return
        await pilot.pause(0.05)
    raise AssertionError("pg_sleep never started on the server")


async def test_terminated_backends_mid_query(pg_cluster: LocalCluster, socket_profile: Profile,
                                             tmp_path: Path, slow_backoff: None) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_query_pane(pilot, socket_profile)
        await pilot.press("ctrl+t")  # a second editor tab, with text of its own
        pane.editor.text = "-- kept in tab 2"
        await pilot.press("f3")  # back to tab 1
        await wait_until(pilot, lambda: pane.active_buffer == 0, what="tab 1")
        database = app.screen.database
        pid_before = database.info.backend_pid
        await start_sleeping(pilot, pane, pg_cluster.socket_conninfo(), socket_profile.database)

        killed = await asyncio.to_thread(terminate_backends, pg_cluster.socket_conninfo(), socket_profile.database)
        assert killed >= 2  # the editor's session and the workspace's main connection

        await wait_until(pilot, lambda: not pane.running, what="the statement ends")
        outcome = pane.outcomes[-1]
        assert outcome.connection_lost and not outcome.ok
        assert "connection lost" in str(app.screen.query_one("#query-status").render())
        assert "The connection was lost; the next run reconnects." in messages_of(app)
        await wait_until(pilot, lambda: banner_shown(app), what="the banner")
        text = banner_text(app)
        assert "Connection lost: terminating connection due to administrator command" in text
        assert "attempt 1) · f4 now" in text

        await pilot.press("f4")  # skip the countdown; the editor has the focus
        await wait_until(pilot, lambda: not banner_of(app).display, what="reconnected")
        assert database.info.backend_pid != pid_before
        assert pane.editor.text == SLEEPING and pane.buffers == [SLEEPING, "-- kept in tab 2"]
        assert len(app.screen.query_one("#editor-tabs").query("Tab")) == 2

        pane.editor.text = "select 6 * 7 as answer"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: not pane.running and pane.outcomes and pane.outcomes[-1].ok,
                         what="the next run")
        assert pane.grid.result.row(0) == ["42"]


def test_rows_streamed_before_the_loss_are_reported_incomplete(pg_cluster: LocalCluster,
                                                               socket_profile: Profile) -> None:
    database = open_database(socket_profile)
    session = open_session(database, row_cap=10_000)
    # The first batch (200 rows) arrives at once; the server then sleeps at row 300.
    statement = split_statements("select g, pg_sleep(case when g = 300 then 30 else 0 end) "
                                 "from generate_series(1, 1000) g")[0]

    def kill_once_asleep() -> None:
        for _ in range(300):
            if sleeping_on_server(pg_cluster.socket_conninfo(), socket_profile.database):
                terminate_backends(pg_cluster.socket_conninfo(), socket_profile.database)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_once_asleep)
    killer.start()
    try:
        outcome = session.run(statement)
    finally:
        killer.join()
        session.close()
        database.close()
    assert outcome.connection_lost and not outcome.ok
    assert outcome.result is not None and len(outcome.result) == 200
    assert outcome_summary(outcome) == "connection lost after 200 rows (incomplete)"


async def test_server_killed_mid_query(own_cluster: LocalCluster, tmp_path: Path, quick_backoff: None) -> None:
    profile = Profile(name="own", host=str(own_cluster.socket_dir), port=own_cluster.port,
                      database="postgres", user=own_cluster.superuser, password="none")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_query_pane(pilot, profile)
        await start_sleeping(pilot, pane, own_cluster.socket_conninfo(), "postgres")
        try:
            await asyncio.to_thread(own_cluster.stop, "immediate")
            await wait_until(pilot, lambda: not pane.running, what="the statement ends")
            assert pane.outcomes[-1].connection_lost
            assert "connection lost" in str(app.screen.query_one("#query-status").render())
            await wait_until(pilot, lambda: banner_shown(app), what="the banner")
            assert "Connection lost:" in banner_text(app)
            # The server is down: attempts fail, the countdown goes on with the reason.
            await wait_until(pilot, lambda: banner_of(app).attempt >= 3, what="failed attempts")
            text = banner_text(app)
            assert " s · f4 now" in text or "Reconnecting now" in text
        finally:
            await asyncio.to_thread(own_cluster.start)
        await wait_until(pilot, lambda: not banner_of(app).display, timeout=20, what="reconnected")
        assert app.screen.database.ping()
        assert pane.editor.text == SLEEPING
        pane.editor.text = "select 'back' as state"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: not pane.running and pane.outcomes and pane.outcomes[-1].ok,
                         what="the next run")
        assert pane.grid.result.row(0) == ["back"]


async def test_heartbeat_notices_a_drop_with_no_pane_activity(
        pg_cluster: LocalCluster, socket_profile: Profile, tmp_path: Path, slow_backoff: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LinkBanner, "heartbeat_seconds", 0.2)
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        database = open_database(socket_profile)
        await app.push_screen(WorkspaceScreen(socket_profile, database))
        await pilot.pause(0.5)
        assert not banner_of(app).display  # a beat on a fine link shows nothing
        assert not app.screen.check_action("reconnect_now", ())  # f4 hidden while the link is fine
        pid_before = database.info.backend_pid
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid_before,))
        await wait_until(pilot, lambda: banner_shown(app), what="the heartbeat notices")
        assert f"Connection lost: {LinkBanner.HEARTBEAT_REASON}" in banner_text(app)
        assert app.screen.check_action("reconnect_now", ())
        app.screen.reconnect_now()
        await wait_until(pilot, lambda: not banner_of(app).display, what="reconnected")
        assert database.info.backend_pid != pid_before and database.ping()


async def test_reconnect_now_on_a_fine_link_replaces_the_main_connection(
        socket_profile: Profile, tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        database = open_database(socket_profile)
        await app.push_screen(WorkspaceScreen(socket_profile, database))
        pid_before = database.info.backend_pid
        app.screen.reconnect_now()  # what the command palette's "Reconnect" calls
        await wait_until(pilot, lambda: database.info.backend_pid != pid_before, what="a new backend")
        assert not banner_of(app).display


async def test_browse_reports_the_loss_and_reopens_on_the_next_load(
        pg_cluster: LocalCluster, socket_profile: Profile, tmp_path: Path, slow_backoff: None) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
        conn.execute("CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 300) g")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(WorkspaceScreen(socket_profile, open_database(socket_profile)))
        browse = app.screen.query_one(BrowsePane)
        browse.open_relation("public", "items", "table")
        await wait_until(pilot, lambda: browse.pager is not None and not browse._busy, what="items open")
        await asyncio.to_thread(terminate_backends, pg_cluster.socket_conninfo(), socket_profile.database)

        await pilot.press("n")
        await wait_until(pilot, lambda: "connection lost" in browse._status_text, what="browse reports")
        await wait_until(pilot, lambda: banner_shown(app), what="the banner")
        await pilot.press("g")  # the next load opens a new connection
        await wait_until(pilot, lambda: "rows" in browse._status_text and not browse._busy, what="a page")
        assert "(first page)" in browse._status_text


@pytest.fixture
def link_database(pg_cluster: LocalCluster) -> Iterator[Profile]:
    """A database with a fixed name and one table, for the snapshots."""
    setup = ("CREATE TABLE orders (id int PRIMARY KEY, total numeric(8,2));"
             "INSERT INTO orders SELECT g, g * 1.5 FROM generate_series(1, 60) g; ANALYZE orders;")
    with database_named(pg_cluster, "snapshot_link", setup) as profile:
        yield profile


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_banner(snap_compare, pg_cluster: LocalCluster, link_database: Profile, tmp_path: Path,
                         size: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    display = Profile(name="shop", label="Shop", host="db.internal.example", port=5432,
                      database="shop", user="ops", sslmode="verify-full")
    monkeypatch.setattr(LinkBanner, "heartbeat_seconds", 0.2)
    monkeypatch.setattr(LinkBanner, "backoff_seconds", (30,))
    monkeypatch.setattr(LinkBanner, "retry_seconds", 30)
    monkeypatch.setattr(link_banner, "monotonic", lambda: 1000.0)  # a countdown frozen at 30 s
    monkeypatch.setattr(BrowsePane, "show_timings", False)
    database = open_database(link_database)
    database.info = dataclasses.replace(database.info, version="16.4")

    async def lose_the_link(pilot) -> None:
        await pilot.app.push_screen(WorkspaceScreen(display, database))
        pilot.app.screen.query_one(BrowsePane).open_relation("public", "orders", "table")
        await wait_until(pilot, lambda: pilot.app.screen.query_one(BrowsePane).pager is not None, what="orders")
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (database.info.backend_pid,))
        await wait_until(pilot, lambda: banner_of(pilot.app).display, what="the banner")
        await pilot.pause(0.3)
        await pilot.wait_for_scheduled_animations()

    assert snap_compare(make_app(tmp_path), run_before=lose_the_link, terminal_size=size)


async def test_the_first_query_and_page_after_a_reconnect_work(
        pg_cluster: LocalCluster, socket_profile: Profile, tmp_path: Path, quick_backoff: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pane's own connection dies, idle, with the link: after the banner clears,
    the very first run and the very first page load succeed (no "connection lost")."""
    monkeypatch.setattr(LinkBanner, "heartbeat_seconds", 0.2)
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
        conn.execute("CREATE TABLE items AS SELECT g AS id FROM generate_series(1, 300) g")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(WorkspaceScreen(socket_profile, open_database(socket_profile)))
        browse = app.screen.query_one(BrowsePane)
        browse.open_relation("public", "items", "table")  # Browse's connection is open, then idle
        await wait_until(pilot, lambda: browse.pager is not None and not browse._busy, what="items open")
        await pilot.press("2")
        await wait_until(pilot, lambda: bool(app.screen.query(QueryPane)), what="query pane")
        pane = app.screen.query_one(QueryPane)
        pane.editor.focus()
        await wait_until(pilot, lambda: pane.editor.has_focus, what="the editor")
        pane.editor.text = "begin"
        await pilot.press("ctrl+j")  # the editor's session is open, in a transaction, then idle
        await wait_until(pilot, lambda: not pane.running and pane.outcomes and pane.outcomes[-1].ok, what="a run")

        await asyncio.to_thread(terminate_backends, pg_cluster.socket_conninfo(), socket_profile.database)
        await wait_until(pilot, lambda: banner_shown(app), what="the heartbeat notices")
        await wait_until(pilot, lambda: not banner_of(app).display, what="reconnected")

        pane.editor.text = "select 'first try' as run"
        pane.outcomes = []
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: not pane.running and len(pane.outcomes) == 1, what="the first run")
        assert pane.outcomes[-1].ok, messages_of(app)
        assert pane.grid.result.row(0) == ["first try"]
        assert "The open transaction was lost with the connection" in messages_of(app)

        await pilot.press("escape", "1")
        await wait_until(pilot, lambda: not browse._busy, what="browse idle")
        await pilot.press("n")  # the first page load after the reconnect
        await wait_until(pilot, lambda: "rows" in browse._status_text and not browse._busy
                         or "lost" in browse._status_text, what="a page")
        assert "connection lost" not in browse._status_text
        assert not banner_of(app).display  # and nobody lost the link again


async def test_reconnects_within_two_seconds_once_the_server_is_back(
        own_cluster: LocalCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server is down for a while (attempts back off), then starts: the banner clears
    within 2 s of it answering, not at the end of a long backoff."""
    monkeypatch.setattr(LinkBanner, "heartbeat_seconds", 0.2)
    profile = Profile(name="own", host=str(own_cluster.socket_dir), port=own_cluster.port,
                      database="postgres", user=own_cluster.superuser, password="none")
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(WorkspaceScreen(profile, open_database(profile)))
        await pilot.press("4")  # Activity, refreshing every 2 s with a backoff of its own
        await wait_until(pilot, lambda: bool(app.screen.query(ActivityPane)), what="activity pane")
        activity = app.screen.query_one(ActivityPane)
        await wait_until(pilot, lambda: activity.last_tick is not None, what="a first refresh")
        try:
            await asyncio.to_thread(own_cluster.stop, "fast")
            await wait_until(pilot, lambda: banner_shown(app), what="the banner")
            await pilot.pause(8)  # with a doubling backoff, the next attempt is now 7 s away
            assert activity._failures >= 2
        finally:
            await asyncio.to_thread(own_cluster.start)
        back = time.monotonic()
        await wait_until(pilot, lambda: not banner_of(app).display, timeout=20, what="reconnected")
        assert time.monotonic() - back < 2.0
        await wait_until(pilot, lambda: activity._failures == 0, timeout=10, what="activity refreshes")
        assert time.monotonic() - back < 2.5  # not at the end of its own backoff


def test_attempts_back_off_only_when_a_server_refused() -> None:
    """Nothing listening yet: try again within a second. A server that refuses: back off."""
    assert not server_answered(ConnectFailure("unreachable", "Connection refused"))
    assert not server_answered(ConnectFailure("timeout", "timeout expired"))
    assert not server_answered(ConnectFailure("other", "FATAL: the database system is starting up"))
    assert not server_answered(ConnectFailure(
        "tunnel", "ssh tunnel via jump: channel 2: open failed: connect failed: Connection refused"))
    assert server_answered(ConnectFailure("other", "FATAL: sorry, too many clients already"))
    assert server_answered(ConnectFailure("auth", "password authentication failed for user \"ops\""))
    assert server_answered(ConnectFailure("tunnel", "ssh tunnel via jump: ops@jump: Permission denied (publickey)."))
