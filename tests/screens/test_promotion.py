"""A standby promoted while the workspace is open on it (issue #13): the Server
and Activity panes show a primary at their next refresh, the header stops
saying STANDBY, and a write that failed during the promotion says why."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from helpers.pilot import until
from helpers.topology_rig import Replica

from tui.app import BastionApp
from tui.db import open_database
from tui.profiles import Profile, ProfileStore
from tui.screens.workspace import WorkspaceScreen
from tui.services.query.runner import open_session
from tui.services.query.splitter import split_statements
from tui.services.query.standby import standby_hint
from tui.settings import Settings
from tui.widgets.activity import ActivityPane
from tui.widgets.connection_header import ConnectionHeader
from tui.widgets.server import ServerPane

FIXED_DIR = Path("/tmp/bastion-promotion")


@pytest.fixture
def standby(pg_replica: Replica) -> Iterator[Replica]:
    """A standby of its own (the session's `pg_replica` is never promoted): a
    second replica of the same primary, stopped and removed after the test."""
    replica = Replica(pg_replica.primary)
    try:
        yield replica.start()
    finally:
        replica.stop()


def profile_of(replica: Replica) -> Profile:
    cluster = replica.cluster
    return Profile(name="standby", host=str(cluster.socket_dir), port=cluster.port, database="postgres",
                   user=cluster.superuser, password="none")


def app_in(folder: Path) -> BastionApp:
    return BastionApp(ProfileStore(folder / "profiles.yaml").load(), settings=Settings(), theme_name="bastion-dark",
                      environ={"TERM": "xterm-256color", "COLORTERM": "truecolor"})


def promote(replica: Replica) -> None:
    with psycopg.connect(replica.cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_promote(wait => true)")


def header_text(screen: WorkspaceScreen) -> str:
    return str(screen.query_one(ConnectionHeader).render())


async def test_promotion_shows_in_the_panes_and_the_header(standby: Replica, fixed_dir: Path) -> None:
    app = app_in(fixed_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        database = open_database(profile_of(standby))
        assert database.info.in_recovery
        screen = WorkspaceScreen(profile_of(standby), database)
        await app.push_screen(screen)
        assert "STANDBY" in header_text(screen)
        await pilot.press("4")
        await until(pilot, lambda: bool(screen.query(ActivityPane))
                    and screen.query_one(ActivityPane).last_tick is not None, timeout=15)
        await pilot.press("5")
        await until(pilot, lambda: bool(screen.query(ServerPane))
                    and screen.query_one(ServerPane).report is not None, timeout=15)
        server = screen.query_one(ServerPane)
        server.interval = 0.5  # the next refreshes come quickly
        assert str(server.summary()).startswith("STANDBY")

        promote(standby)
        server.action_refresh_now()
        await until(pilot, lambda: server.report is not None and not server.report.in_recovery, timeout=15)
        assert str(server.summary()).startswith("PRIMARY 0 standbys connected")
        assert not server.error
        # The header learns it from the pane, without a reconnect.
        await until(pilot, lambda: "STANDBY" not in header_text(screen), timeout=5)
        assert not database.info.in_recovery
        await until(pilot, lambda: any("was promoted: it is a primary now" in n.message
                                       for n in app._notifications), timeout=5)
        # Activity's next refresh reads a primary too.
        activity = screen.query_one(ActivityPane)
        await until(pilot, lambda: activity.last_tick is not None and not activity.last_tick.pulse.in_recovery,
                    timeout=15)
        await pilot.pause(0.2)
        assert sum("promoted" in n.message for n in app._notifications) == 1  # told once, not by each pane
        # The panes keep working: another refresh, no error.
        server.action_refresh_now()
        await pilot.pause(0.5)
        assert not server.error and server.report is not None and not server.report.in_recovery



def test_a_write_in_a_transaction_begun_before_the_promotion(standby: Replica) -> None:
    """A transaction begun on the standby stays read-only after the promotion: the
    message says what to do, and after a ROLLBACK the same session writes."""
    database = open_database(profile_of(standby))
    session = open_session(database, 100)
    try:
        for statement in split_statements("BEGIN; SELECT 1"):
            assert session.run(statement).error is None
        promote(standby)
        outcome = session.run(split_statements("CREATE TABLE promoted_meanwhile (id int)")[0])
        assert outcome.error is not None and outcome.error.sqlstate == "25006"
        hint = standby_hint(outcome.error.sqlstate, outcome.error.message, database.info.in_recovery)
        assert hint is not None and "If it is being promoted, ROLLBACK and run them again" in hint
        for statement in split_statements("ROLLBACK; CREATE TABLE promoted_meanwhile (id int)"):
            assert session.run(statement).error is None
    finally:
        session.close()
        database.close()


async def test_promotion_reaches_the_header_with_no_pane_that_polls(standby: Replica, fixed_dir: Path,
                                                                    monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Neither Activity nor Server is open: the workspace reads pg_is_in_recovery() itself.
    monkeypatch.setattr(WorkspaceScreen, "recovery_check_interval", 0.2)
    app = app_in(fixed_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        database = open_database(profile_of(standby))
        screen = WorkspaceScreen(profile_of(standby), database)
        await app.push_screen(screen)
        assert "STANDBY" in header_text(screen)
        promote(standby)
        await until(pilot, lambda: "STANDBY" not in header_text(screen), timeout=10)
        assert not database.info.in_recovery and not screen.query(ActivityPane) and not screen.query(ServerPane)
        assert sum("promoted" in n.message for n in app._notifications) == 1
