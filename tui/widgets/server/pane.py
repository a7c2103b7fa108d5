"""The Server tab: replication as an ops person reads it (a standby's receiver,
replay and conflicts; a primary's standbys and slots, an inactive slot that
retains WAL in red) and the settings changed from their defaults."""

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
from tui.formatting import bytes_text, duration, first_line
from tui.messages import RecoveryChanged
from tui.services.replication import ReplicationReport, ServerReader, Setting

INTERVAL = 5.0
VIEWS = {"replication": "Replication", "settings": "Settings changed from their defaults"}


class ServerPane(Vertical):
    """Replication and settings of a PostgreSQL server, refreshed in a worker."""

    BINDINGS = [
        Binding("r", "refresh_now", "Refresh", id="server.refresh_now"),
        Binding("v", "toggle_view", "Replication/Settings", id="server.toggle_view"),
    ]
    DEFAULT_CSS = """
    ServerPane { height: 1fr; }
    ServerPane #server-summary { height: auto; padding: 0 1; }
    ServerPane #server-table { height: 1fr; }
    ServerPane #server-status { height: 1; padding: 0 1; color: $text-muted; }
    """

    class Refreshed(Message):
        """A refresh finished (or failed with `error`)."""

        def __init__(self, report: ReplicationReport | None, settings: list[Setting] | None,
                     error: str = "") -> None:
            super().__init__()
            self.report = report
            self.settings = settings
            self.error = error

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], version_num: int,
                 interval: float = INTERVAL) -> None:
        super().__init__(id="server-pane")
        self.reader = ServerReader(connect, version_num)
        self.version_num = version_num
        self.interval = interval
        self.view = "replication"
        self.report: ReplicationReport | None = None
        self.settings: list[Setting] = []
        self.error = ""
        self.refreshing = False
        self.poll_timer: Timer | None = None
        self.in_recovery: bool | None = None  # as the last refresh read it

    def compose(self) -> ComposeResult:
        yield Static("", id="server-summary")
        yield DataTable(id="server-table", cursor_type="row", zebra_stripes=True)
        yield Static("reading replication and settings …", id="server-status", markup=False)

    def on_mount(self) -> None:
        self._refresh()
        self.poll_timer = self.set_interval(self.interval, self._refresh_if_idle)

    def focus_default(self) -> None:
        self.query_one("#server-table").focus()

    def on_unmount(self) -> None:
        close_in_background(self.reader, "server-close")

    # -- refreshing -------------------------------------------------------------------
    def _refresh_if_idle(self) -> None:
        if not self.refreshing:
            self._refresh()

    def _refresh(self) -> None:
        self.refreshing = True
        self._read()

    @work(thread=True, exit_on_error=False, group="server-refresh")
    def _read(self) -> None:
        try:
            report, settings = self.reader.read()
        except Exception as exc:
            self.post_message(self.Refreshed(None, None, first_line(exc)))
        else:
            self.post_message(self.Refreshed(report, settings))

    def on_server_pane_refreshed(self, event: Refreshed) -> None:
        event.stop()
        self.refreshing = False
        self.error = event.error
        if event.report is not None:
            self.report = event.report
            if event.report.in_recovery != self.in_recovery:
                # A promotion: the workspace's header must stop saying STANDBY.
                self.in_recovery = event.report.in_recovery
                self.post_message(RecoveryChanged(self.in_recovery))
        if event.settings is not None:
            self.settings = event.settings
        self._show()

    # -- drawing ----------------------------------------------------------------------
    def summary(self) -> Text:
        report = self.report
        if report is None:
            return Text("")
        lines: list[Text] = []
        if report.in_recovery and report.standby is not None:
            standby = report.standby
            if standby.replay_paused or not (standby.streaming or standby.details_hidden):
                style = "bold red"
            else:  # a receiver this role may not look into runs: not down, not known healthy
                style = "yellow" if standby.details_hidden else "green"
            lines.append(Text.assemble(("STANDBY ", "bold"), (standby.summary(), style)))
            details = []
            if standby.last_message_age_s is not None:
                details.append(f"last message from the primary {duration(standby.last_message_age_s)} ago")
            if standby.lag_known and standby.last_replayed_xact_age_s is not None and standby.replay_behind_bytes:
                details.append(f"replaying a transaction of {duration(standby.last_replayed_xact_age_s)} ago")
            conflicts = sum(c.total for c in report.conflicts)
            if conflicts:
                details.append(f"{conflicts} queries cancelled by recovery conflicts")
            if details:
                lines.append(Text(" · ".join(details), style="dim"))
        else:
            count = len(report.standbys)
            lines.append(Text.assemble(("PRIMARY ", "bold"), f"{count} standby{'' if count == 1 else 's'} connected"))
        for slot, reason in report.slot_dangers:
            lines.append(Text(f"slot {slot.name}: {reason}", style="bold white on red"))
        pending = [s.name for s in self.settings if s.pending_restart]
        if pending:
            lines.append(Text(f"waiting for a restart: {', '.join(pending)}", style="bold yellow"))
        return Text("\n").join(lines)

    def _table(self) -> tuple[list[str], list[list[Any]]]:
        report = self.report
        if self.view == "settings":
            return ["name", "value", "source", "pending restart"], [
                [s.name, s.shown_value, s.origin, Text("yes", style="bold yellow") if s.pending_restart else ""]
                for s in self.settings]
        if report is None:
            return [], []
        header = ["kind", "name", "state", "behind", "lag", "detail"]
        rows: list[list[Any]] = []
        for s in report.standbys:
            lag = s.replay_lag_s if s.replay_lag_s is not None else s.flush_lag_s
            rows.append(["standby", s.name, f"{s.state} ({s.sync_state})", bytes_text(s.replay_behind_bytes),
                         duration(lag), s.client_addr or ""])
        for c in report.conflicts:
            if c.total:
                rows.append(["conflicts", c.database, "", "", "",
                             f"snapshot {c.snapshot}, lock {c.lock}, bufferpin {c.bufferpin}, "
                             f"deadlock {c.deadlock}, tablespace {c.tablespace}"])
        for slot in report.slots:
            danger = slot.danger
            state = ("active" if slot.active else "inactive") + (f", {slot.wal_status}" if slot.wal_status else "")
            detail = danger or (f"safe for {bytes_text(slot.safe_wal_size_bytes)} more"
                                if slot.safe_wal_size_bytes is not None else slot.slot_type)
            rows.append([f"{slot.slot_type} slot", Text(slot.name, style="bold red" if danger else ""),
                         Text(state, style="bold red" if danger else ""), bytes_text(slot.retained_bytes), "",
                         Text(detail, style="bold red" if danger else "")])
        return header, rows

    def _show(self) -> None:
        self.query_one("#server-summary", Static).update(self.summary())
        header, rows = self._table()
        table = self.query_one("#server-table", DataTable)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_columns(*header)
        for row in rows:
            table.add_row(*row)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        status = [VIEWS[self.view] + (" (none)" if not rows else ""), f"every {self.interval:g} s · v switches"]
        if self.error:
            status.append(f"refresh failed: {self.error}")
        self.query_one("#server-status", Static).update(" · ".join(status))

    # -- actions ----------------------------------------------------------------------
    def action_refresh_now(self) -> None:
        self._refresh_if_idle()

    def action_toggle_view(self) -> None:
        self.view = "settings" if self.view == "replication" else "replication"
        self._show()
