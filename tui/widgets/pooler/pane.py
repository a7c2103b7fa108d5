"""The Pooler tab, shown when the profile opens PgBouncer's admin console:
pools, clients, servers, stats and databases, refreshed like Activity, with
waiting clients and maxwait at a glance, and PAUSE / RESUME / RECONNECT / KILL
of a database behind a confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Static

from tui.db.link import close_in_background
from tui.formatting import first_line, rate
from tui.profiles import Profile
from tui.services.activity.pulse import sparkline
from tui.services.pooler import PoolerLink, PoolerSnapshot
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.row_key import highlighted_key

INTERVAL = 2.0
VIEWS = {"pools": "Pools", "clients": "Clients", "servers": "Servers", "stats": "Stats", "databases": "Databases"}
# Columns shown per view, when this PgBouncer has them (they change between versions).
WANTED = {
    "clients": ("database", "user", "state", "addr", "port", "application_name", "wait", "wait_us",
                "connect_time", "request_time"),
    "servers": ("database", "user", "state", "addr", "port", "application_name", "connect_time", "request_time"),
    "databases": ("name", "host", "port", "database", "pool_size", "pool_mode", "max_connections",
                  "current_connections", "paused", "disabled"),
}
ACTIONS = {"pause": "PAUSE", "resume": "RESUME", "reconnect": "RECONNECT", "kill": "KILL"}
WHAT_IT_DOES = {
    "PAUSE": "waits for running transactions, then holds every new query of this database until RESUME",
    "RESUME": "lets the held queries of this database run again",
    "RECONNECT": "closes each server connection of this database once it is free (new ones are opened)",
    "KILL": "drops every client and server connection of this database at once, mid-query",
}


class PoolerPane(Vertical):
    """PgBouncer's own view; one admin connection, one refresh at a time."""

    BINDINGS = [
        Binding("r", "refresh_now", "Refresh", id="pooler.refresh_now"),
        Binding("p", "view('pools')", "Pools", id="pooler.view_pools"),
        Binding("c", "view('clients')", "Clients", id="pooler.view_clients"),
        Binding("v", "view('servers')", "Servers", id="pooler.view_servers"),
        Binding("t", "view('stats')", "Stats", id="pooler.view_stats"),
        Binding("d", "view('databases')", "Databases", id="pooler.view_databases"),
        Binding("P", "act('pause')", "Pause db", id="pooler.pause_db"),
        Binding("R", "act('resume')", "Resume db", id="pooler.resume_db"),
        Binding("C", "act('reconnect')", "Reconnect db", show=False, id="pooler.reconnect_db"),
        Binding("K", "act('kill')", "Kill db", show=False, id="pooler.kill_db"),
    ]
    DEFAULT_CSS = """
    PoolerPane { height: 1fr; }
    PoolerPane #pooler-pulse { height: 2; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    PoolerPane #pooler-status { height: 1; padding: 0 1; color: $text-muted; }
    PoolerPane #pooler-table { height: 1fr; }
    """

    class Ticked(Message):
        """A refresh of the admin console finished (or failed with `error`)."""

        def __init__(self, snapshot: PoolerSnapshot | None, error: str = "") -> None:
            super().__init__()
            self.snapshot = snapshot
            self.error = error

    class Acted(Message):
        """A PAUSE/RESUME/RECONNECT/KILL finished."""

        def __init__(self, text: str, ok: bool) -> None:
            super().__init__()
            self.text = text
            self.ok = ok

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], profile: Profile,
                 interval: float = INTERVAL) -> None:
        super().__init__(id="pooler-pane")
        self.console = PoolerLink(connect)
        self.profile = profile
        self.interval = interval
        self.view = "pools"
        self.snapshot: PoolerSnapshot | None = None
        self.ticking = False
        self.error = ""
        self.poll_timer: Timer | None = None
        self._database_of_key: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="pooler-pulse")
        yield DataTable(id="pooler-table", cursor_type="row", zebra_stripes=True)
        yield Static("connecting to the admin console …", id="pooler-status", markup=False)

    def on_mount(self) -> None:
        self._tick()
        self.poll_timer = self.set_interval(self.interval, self._tick_if_idle)

    def focus_default(self) -> None:
        self.query_one("#pooler-table").focus()

    def on_unmount(self) -> None:
        close_in_background(self.console, "pooler-close")

    # -- refreshing -------------------------------------------------------------------
    def _tick_if_idle(self) -> None:
        if not self.ticking:
            self._tick()

    def _tick(self) -> None:
        self.ticking = True
        self._read()

    @work(thread=True, exit_on_error=False, group="pooler-tick")
    def _read(self) -> None:
        try:
            snapshot = self.console.snapshot()
        except Exception as exc:
            self.post_message(self.Ticked(None, first_line(exc)))
        else:
            self.post_message(self.Ticked(snapshot))

    def on_pooler_pane_ticked(self, event: Ticked) -> None:
        event.stop()
        self.ticking = False
        self.error = event.error
        if event.snapshot is not None:
            self.snapshot = event.snapshot
        self._show()

    # -- drawing ----------------------------------------------------------------------
    def _pulse(self) -> Text:
        snap = self.snapshot
        if snap is None:
            return Text("")
        waiting_spark = sparkline(self.console.waiting_history, 12)
        wait_spark = sparkline(self.console.maxwait_history, 12)
        waiting_style = "bold white on red" if snap.waiting_clients else "green"
        # The spike ops look for first: waiting clients and maxwait lead the line.
        line = Text.assemble(
            "waiting clients ", (f" {snap.waiting_clients} ", waiting_style), f" {waiting_spark}  ",
            "maxwait ", (f"{snap.max_wait_s:.1f} s", "bold red" if snap.max_wait_s >= 1 else ""), f" {wait_spark}",
            (f"  ·  {snap.version} · {len(snap.pools)} pools", "dim"),
        )
        paused = snap.paused_databases
        second = Text.assemble(
            ("paused: ", "dim"), (", ".join(paused), "bold yellow") if paused else ("none", "dim"),
            ("  ·  ", "dim"), (f"{sum(s.xact_per_s for s in snap.stats):.0f} xact/s, "
                                f"{sum(s.query_per_s for s in snap.stats):.0f} query/s", ""),
        )
        return Text("\n").join([line, second])

    def _rows(self) -> tuple[list[str], list[list[Any]]]:
        snap = self.snapshot
        if snap is None:
            return [], []
        if self.view == "pools":
            header = ["database", "user", "cl_active", "cl_waiting", "sv_active", "sv_idle", "sv_used",
                      "maxwait", "pool_mode"]
            return header, [[p.database, p.user, p.cl_active,
                             Text(str(p.cl_waiting), style="bold red" if p.cl_waiting else ""),
                             p.sv_active, p.sv_idle, p.sv_used,
                             Text(f"{p.maxwait_s:.1f}s", style="bold red" if p.maxwait_s >= 1 else ""),
                             p.pool_mode] for p in snap.pools]
        if self.view == "stats":
            header = ["database", "xact/s", "query/s", "avg xact ms", "avg query ms", "avg wait ms"]
            return header, [[s.database, rate(s.xact_per_s), rate(s.query_per_s), f"{s.avg_xact_ms:.1f}",
                             f"{s.avg_query_ms:.1f}", f"{s.avg_wait_ms:.1f}"] for s in snap.stats]
        rows = {"clients": snap.clients, "servers": snap.servers, "databases": snap.databases}[self.view]
        present = [c for c in WANTED[self.view] if rows and c in rows[0]]
        return present, [["" if r.get(c) is None else str(r.get(c)) for c in present] for r in rows]

    def _show(self) -> None:
        self.query_one("#pooler-pulse", Static).update(self._pulse())
        header, rows = self._rows()
        table = self.query_one("#pooler-table", DataTable)
        cursor, selected = table.cursor_row, highlighted_key(table)
        table.clear(columns=True)  # widths fit the rows shown now, not every name ever seen
        table.add_columns(*header)
        # Rows are keyed by what they are (database, user, client address), so the
        # highlight stays on the same pool when a refresh reorders them: PAUSE must
        # never land on a neighbour.
        self._database_of_key = {}
        keys = []
        for row in rows:
            key, database = self._identity(header, row)
            while key in self._database_of_key:
                key += "\0"
            self._database_of_key[key] = database
            keys.append(key)
            table.add_row(*row, key=key)
        if selected in self._database_of_key:
            table.move_cursor(row=keys.index(selected))
        elif rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        status = [f"{VIEWS[self.view]} · every {self.interval:g} s"]
        if self.snapshot is not None and self.snapshot.read_only:
            status.append("read-only: stats_users, not admin_users")
        if self.snapshot is not None and self.snapshot.missing:
            status.append("this PgBouncer has no " + ", ".join(f"SHOW {s}" for s in self.snapshot.missing))
        if self.error:
            status.append(f"refresh failed: {self.error}")
        self.query_one("#pooler-status", Static).update(" · ".join(status))

    # -- actions ----------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._tick_if_idle()

    def action_view(self, view: str) -> None:
        self.view = view
        self._show()

    @staticmethod
    def _identity(header: list[str], row: list[Any]) -> tuple[str, str | None]:
        """(row key, its database) from the columns that say which row this is."""
        values = {name: str(value) for name, value in zip(header, row, strict=True)}
        database = values.get("name") if "name" in values else values.get("database")
        key = "\0".join(values.get(c, "") for c in ("name", "database", "user", "addr", "port"))
        return key, database or None

    def selected_database(self) -> str | None:
        """The database of the highlighted row (pools, stats, clients, servers, databases)."""
        key = highlighted_key(self.query_one("#pooler-table", DataTable))
        return self._database_of_key.get(key) if key is not None else None

    def action_act(self, action: str) -> None:
        verb = ACTIONS[action]
        if self.snapshot is not None and self.snapshot.read_only:  # PgBouncer would refuse it: do not ask
            self.app.notify(self.snapshot.read_only, title=f"{verb} refused", severity="warning")
            return
        database = self.selected_database()
        if database is None:
            self.app.notify("Highlight a pool or database first.", severity="warning")
            return
        body = f"{verb} {database} on {self.profile.title}: {WHAT_IT_DOES[verb]}."
        require = database if self.profile.production else None  # RESUME too: all four act on production

        def answered(yes: bool | None) -> None:
            if yes:
                self._run_command(verb, database)

        self.app.push_screen(ConfirmScreen(f"{verb} {database}?", body, require_text=require), answered)

    @work(thread=True, exit_on_error=False, group="pooler-command")
    def _run_command(self, verb: str, database: str) -> None:
        try:
            done = self.console.command(verb, database)
        except Exception as exc:
            self.post_message(self.Acted(first_line(exc), False))
        else:
            self.post_message(self.Acted(f"{done} {database}: done.", True))

    def on_pooler_pane_acted(self, event: Acted) -> None:
        event.stop()
        self.app.notify(event.text, severity="information" if event.ok else "error")
        self._tick_if_idle()
