"""The pooler pane on a real PgBouncer's admin console: keys a person presses."""

from __future__ import annotations

import threading

import psycopg
from helpers.pilot import until
from helpers.topology_rig import PgBouncer, pgbouncer_console_users  # noqa: F401  (fixture)
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.profiles import Profile
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.pooler import PoolerPane


class PoolerApp(App[None]):
    def __init__(self, pgbouncer: PgBouncer, production: bool = False, user: str | None = None) -> None:
        super().__init__()
        self.pgbouncer = pgbouncer
        self.user = user or pgbouncer.user
        self.profile = Profile(name="edge-pooler", host="127.0.0.1", port=pgbouncer.port, database="pgbouncer",
                               user=self.user, production=production)

    def compose(self) -> ComposeResult:
        yield PoolerPane(lambda: psycopg.connect(self.pgbouncer.conninfo("pgbouncer", user=self.user),
                                                 autocommit=True), self.profile, interval=0.5)


def highlight(pane: PoolerPane, database: str) -> None:
    table = pane.query_one("#pooler-table", DataTable)
    row = next(i for i in range(table.row_count) if pane._identity(
        [str(c.label) for c in table.columns.values()], table.get_row_at(i))[1] == database)
    table.move_cursor(row=row)
    assert pane.selected_database() == database


def pooler_state(pgbouncer: PgBouncer) -> str:
    """SHOW DATABASES / POOLS and the end of PgBouncer's log, for a failure message."""
    lines = []
    with psycopg.connect(pgbouncer.conninfo("pgbouncer"), autocommit=True) as admin:
        for what in ("DATABASES", "POOLS"):
            with psycopg.ClientCursor(admin) as cursor:
                cursor.execute(f"SHOW {what}")
                lines += [what, *(f"  {row}" for row in cursor.fetchall())]
    return "\n".join([*lines, *pgbouncer.log.read_text(errors="replace").splitlines()[-30:]])


async def type_confirmation(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type `text` into the confirmation once its input has the focus (keys sent
    before that, on a loaded machine, went to the screen and were lost), and wait
    until the dialog has gone."""
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen)
                and getattr(app.focused, "id", None) == "confirm-input", timeout=10)
    assert app.screen.require_text == text
    await pilot.press(*text, "enter")
    await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), timeout=10)


async def test_pause_shows_waiting_clients_then_resume(own_pgbouncer: PgBouncer, pg_database: str) -> None:
    pgbouncer = own_pgbouncer
    with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT 1")
    app = PoolerApp(pgbouncer, production=True)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PoolerPane)
        await until(pilot, lambda: pane.snapshot is not None, timeout=10)
        pane.focus_default()
        highlight(pane, pg_database)
        await pilot.press("P")
        await type_confirmation(pilot, pg_database)  # production: the database's name is typed
        try:
            await until(pilot, lambda: pg_database in (pane.snapshot.paused_databases if pane.snapshot else []),
                        timeout=10)
        except AssertionError:
            raise AssertionError(f"PAUSE not seen in 10 s\n{pooler_state(pgbouncer)}") from None
        done = threading.Event()

        def client() -> None:
            with psycopg.connect(pgbouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as c:
                c.execute("SELECT 1")
            done.set()

        threading.Thread(target=client, daemon=True).start()
        await until(pilot, lambda: pane.snapshot is not None and pane.snapshot.waiting_clients >= 1, timeout=10)
        pulse = str(pane.query_one("#pooler-pulse").render())
        assert "waiting clients" in pulse and f"paused: {pg_database}" in pulse, f"{pulse}\n{pooler_state(pgbouncer)}"
        highlight(pane, pg_database)
        await pilot.press("R")
        await type_confirmation(pilot, pg_database)  # production: RESUME asks for the typed name too
        await until(pilot, done.is_set, timeout=10)
        for key, title in (("c", "Clients"), ("v", "Servers"), ("t", "Stats"), ("d", "Databases")):
            await pilot.press(key)
            await until(pilot, lambda title=title: str(pane.query_one("#pooler-status").render()).startswith(title))


async def test_an_admin_console_that_goes_away(pgbouncer: PgBouncer) -> None:
    def refused() -> psycopg.Connection:
        raise psycopg.OperationalError("connection refused")

    app = PoolerApp(pgbouncer)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PoolerPane)
        await until(pilot, lambda: pane.snapshot is not None, timeout=10)
        pane.console.connect = refused  # from now on the pooler refuses us
        assert pane.console.current is not None
        pane.console.current.conn.close()  # the pooler dropped us
        await until(pilot, lambda: "refresh failed" in str(pane.query_one("#pooler-status").render()), timeout=10)
        assert pane.snapshot is not None  # the last figures stay on screen


async def test_a_stats_only_user_gets_the_pane_read_only(pgbouncer_console_users: PgBouncer,  # noqa: F811
                                                         pg_database: str) -> None:
    bouncer = pgbouncer_console_users
    with psycopg.connect(bouncer.conninfo(pg_database), autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SELECT 1")
    app = PoolerApp(bouncer, production=True, user="watcher")
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(PoolerPane)
        await until(pilot, lambda: pane.snapshot is not None and any(
            p.database == pg_database for p in pane.snapshot.pools), timeout=10)
        status = str(pane.query_one("#pooler-status").render())
        assert "read-only" in status and "stats_users" in status
        pane.focus_default()
        highlight(pane, pg_database)
        for key in ("P", "R", "C", "K"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen)  # refused before asking
        await until(pilot, lambda: len(app._notifications) >= 4)
        texts = [n.message for n in app._notifications]
        assert all("admin_users" in text and "pgbouncer.ini" in text for text in texts), texts
        assert not [row for row in bouncer.admin("SHOW DATABASES") if row["name"] == pg_database and row["paused"]]
        await pilot.press("d")
        await until(pilot, lambda: str(pane.query_one("#pooler-status").render()).startswith("Databases"))
