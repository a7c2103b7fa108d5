"""The fleet view: every server of the profiles (or of one group) on one
screen, polled at once and read-only, a row each; `enter` opens one."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from tui.db.link import in_background
from tui.formatting import clip, duration, rate, size_text
from tui.messages import ConnectRequested
from tui.profiles import Profile
from tui.secrets import PasswordVault
from tui.services.activity.pulse import sparkline
from tui.services.fleet import RECEIVER_DOWN, FleetPoller, FleetRow
from tui.widgets.row_key import highlighted_key

INTERVAL = 2.0
# (key, header); sorting by a column puts its largest values (the problems) first.
COLUMNS = (
    ("name", "Server"), ("status", "Status"), ("role", "Role"), ("sessions", "Sessions"),
    ("active", "Active"), ("waiting", "Waits"), ("longest_xact_s", "Xact age"), ("lag_s", "Lag"),
    ("tps", "TPS"), ("tps_history", "Trend"), ("version", "Version"), ("size", "Size"),
    ("reason", "Why not"),
)
SORTS = ("name", "status", "sessions", "active", "waiting", "longest_xact_s", "lag_s", "tps", "size")
STATUS_RANK = {"error": 0, "timeout": 1, "login": 2, "…": 3, "ok": 4}
SPARK_WIDTH = 16


def _sort_key(row: FleetRow, column: str) -> Any:
    if column == "name":
        return row.name.lower()
    if column == "status":
        return (STATUS_RANK.get(row.status, 3), row.name.lower())
    value = getattr(row, column)
    return -(value if value is not None else -1)  # largest first, unknown last


def _status(row: FleetRow) -> Text:
    styles = {"ok": "green", "…": "dim", "login": "yellow"}
    return Text(row.status, style=styles.get(row.status, "bold red"))


def _sessions(row: FleetRow) -> Text:
    if row.sessions is None:
        return Text("")
    if not row.max_connections:
        return Text(str(row.sessions))
    busy = row.sessions / row.max_connections
    return Text(f"{row.sessions}/{row.max_connections}", style="bold red" if busy >= 0.8 else "")


def _lag(row: FleetRow) -> Text:
    if row.lag_note:
        return Text(row.lag_note, style="bold red" if row.lag_note == RECEIVER_DOWN else "yellow")
    if row.lag_s is None:
        return Text("")
    return Text(duration(row.lag_s), style="bold red" if row.lag_s >= 30 else "yellow" if row.lag_s >= 5 else "")


def row_cells(row: FleetRow) -> list[Text | str]:
    """The table cells of one server, warnings in colour."""
    waits_style = "bold yellow" if row.waiting else ""
    xact_style = "yellow" if (row.longest_xact_s or 0) >= 300 else ""
    return [
        Text(row.name, style="bold"), _status(row), row.role, _sessions(row),
        "" if row.active is None else str(row.active),
        Text("" if row.waiting is None else str(row.waiting), style=waits_style),
        Text(duration(row.longest_xact_s), style=xact_style), _lag(row),
        rate(row.tps) if row.tps is not None else "", sparkline(row.tps_history, SPARK_WIDTH),
        row.version, size_text(row.size), Text(clip(row.reason, 60), style="red" if not row.reachable else "dim"),
    ]


class FleetScreen(Screen[None]):
    """One row per server, refreshed every few seconds without blocking the UI."""

    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("r", "refresh_now", "Refresh"),
        Binding("o", "sort", "Sort"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("escape", "back", "Back"),
    ]

    class Polled(Message):
        """Rows of a poll: the servers that answered so far, or all (`done`); no rows
        when the poll itself failed."""

        def __init__(self, rows: list[FleetRow] | None, done: bool = True) -> None:
            super().__init__()
            self.rows = rows
            self.done = done

    def __init__(self, profiles: list[Profile], vault: PasswordVault, group: str | None = None,
                 interval: float = INTERVAL) -> None:
        super().__init__()
        self.profiles = {p.name: p for p in profiles}
        self.vault = vault
        self.group = group
        self.interval = interval
        self.rows: list[FleetRow] = [FleetRow(p.name, None) for p in profiles]
        self.sort_column = "name"
        self.filter_text = ""
        self.polling = False
        self.polls = 0
        self.poller = FleetPoller(profiles, vault, timeout=min(5.0, max(1.0, interval * 2)))
        self.poll_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="fleet-title")
        yield Input(placeholder="filter: name, group, role or status", id="fleet-filter")
        yield DataTable(id="fleet-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="fleet-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#fleet-table", DataTable)
        for key, header in COLUMNS:
            table.add_column(header, key=key)
        self.query_one("#fleet-filter").display = False
        self._show()
        table.focus()
        self._poll()
        self.poll_timer = self.set_interval(self.interval, self._poll_if_idle)

    def on_unmount(self) -> None:
        in_background(self.poller.close, "fleet-close")

    # -- polling --------------------------------------------------------------------
    def _poll_if_idle(self) -> None:
        if not self.polling:
            self._poll()

    def _poll(self) -> None:
        self.polling = True
        self._ask_servers()

    @work(thread=True, exit_on_error=False, group="fleet")
    def _ask_servers(self) -> None:
        try:
            rows = self.poller.poll(on_progress=lambda so_far: self.post_message(self.Polled(so_far, done=False)))
        except Exception:  # a row each says what went wrong with its server: here the poll itself
            self.post_message(self.Polled(None))
        else:
            self.post_message(self.Polled(rows))

    def on_fleet_screen_polled(self, event: Polled) -> None:
        if event.done:
            self.polling = False
        if event.rows is None:
            return
        self.rows = event.rows
        self.polls += event.done
        self._show()

    # -- drawing --------------------------------------------------------------------
    def visible_rows(self) -> list[FleetRow]:
        needle = self.filter_text.lower()
        rows = [r for r in self.rows if not needle or needle in
                " ".join((r.name, r.group or "", r.role, r.status, r.reason)).lower()]
        return sorted(rows, key=lambda r: _sort_key(r, self.sort_column))

    def _show(self) -> None:
        rows = self.visible_rows()
        reachable = sum(r.reachable for r in self.rows)
        problems = sum(r.status in ("error", "timeout", "login") for r in self.rows)
        title = Text.assemble(
            ("bastion", "bold"), " · fleet", (f" · group {self.group}" if self.group else "", "bold"),
            f" · {reachable} of {len(self.rows)} reachable",
            (f" · {problems} need attention" if problems else "", "bold red"),
            (f" · by {dict(COLUMNS)[self.sort_column].lower()}", "dim"),
            (f" · filter: {self.filter_text}" if self.filter_text else "", "dim"),
        )
        self.query_one("#fleet-title", Static).update(title)
        table = self.query_one("#fleet-table", DataTable)
        selected = self.selected_name()
        wanted = [r.name for r in rows]
        if [str(k.value) for k in table.rows] != wanted:
            table.clear()
            for row in rows:
                table.add_row(*row_cells(row), key=row.name)
        else:  # same rows in the same order: only the cells that changed are redrawn
            for row in rows:
                for (key, _), cell in zip(COLUMNS, row_cells(row), strict=True):
                    if table.get_cell(row.name, key) != cell:
                        table.update_cell(row.name, key, cell, update_width=True)
        if selected in wanted:
            table.move_cursor(row=wanted.index(selected))
        self._show_detail()

    def _show_detail(self) -> None:
        name = self.selected_name()
        row = next((r for r in self.rows if r.name == name), None)
        detail = self.query_one("#fleet-detail", Static)
        if row is None:
            detail.update("No server matches." if self.rows else "No profiles.")
        elif row.status == "ok" or row.status == "…":
            profile = self.profiles.get(row.name)
            detail.update(f"{row.name}: {profile.target() if profile else ''}" + (
                f" · group {row.group}" if row.group else "") + (f" · {row.reason}" if row.reason else ""))
        else:
            detail.update(f"{row.name}: {row.status}: {row.reason}")

    def selected_name(self) -> str | None:
        return highlighted_key(self.query_one("#fleet-table", DataTable))

    @on(DataTable.RowHighlighted, "#fleet-table")
    def _highlighted(self) -> None:
        self._show_detail()

    # -- actions --------------------------------------------------------------------
    @on(DataTable.RowSelected, "#fleet-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        profile = self.profiles.get(self.selected_name() or "")
        if profile is not None:
            self.post_message(ConnectRequested(profile))

    def action_refresh_now(self) -> None:
        self._poll_if_idle()

    def action_sort(self) -> None:
        self.sort_column = SORTS[(SORTS.index(self.sort_column) + 1) % len(SORTS)]
        self._show()

    def action_filter(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        box.display = True
        box.value = self.filter_text
        box.focus()

    @on(Input.Changed, "#fleet-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._show()

    @on(Input.Submitted, "#fleet-filter")
    def _filter_done(self) -> None:
        self.query_one("#fleet-table").focus()

    def action_back(self) -> None:
        box = self.query_one("#fleet-filter", Input)
        if box.display:
            box.display = False
            if not self.filter_text:
                box.value = ""
            self.query_one("#fleet-table").focus()
            return
        self.dismiss(None)
