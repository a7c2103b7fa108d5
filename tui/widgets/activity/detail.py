"""One session in full: query with SQL highlighting, every field, locks,
blockers and waiters, progress, pg_stat_statements; `y` copies the query."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.services.activity.sessions import Session
from tui.services.activity.views import SessionDetail
from tui.widgets.dialogs.dialog import Dialog


def _pairs(title: str, values: dict[str, Any]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column(style="dim")
    table.add_column()
    for key, value in values.items():
        table.add_row(key, "" if value is None else str(value))
    return table


def detail_renderable(detail: SessionDetail, blockers: list[int], waiters: list[int]) -> Group:
    s = detail.session
    parts: list[Any] = [Syntax(s.query or "", "sql", word_wrap=True, theme="ansi_dark",
                               background_color="default"), Text("")]
    values = {f.name: getattr(s, f.name) for f in fields(Session) if f.name not in ("query", "now", "blocked_by")}
    values["blocked_by (pg_blocking_pids)"] = ", ".join(map(str, blockers)) or "nobody"
    values["blocks"] = ", ".join(map(str, waiters)) or "nobody"
    parts.append(_pairs("pg_stat_activity", values))
    locks = Table(title="locks", title_justify="left", box=None, padding=(0, 1))
    for column in ("locktype", "mode", "granted", "relation", "transactionid"):
        locks.add_column(column)
    for lock in detail.locks:
        locks.add_row(*("" if lock[c] is None else str(lock[c]) for c in
                        ("locktype", "mode", "granted", "relation", "transactionid")),
                      style="" if lock["granted"] else "bold red")
    parts.append(locks if detail.locks else Text("locks: none", style="dim"))
    for view, row in detail.progress.items():
        parts.append(_pairs(view, row))
    if detail.statement:
        parts.append(_pairs("pg_stat_statements", {k: v for k, v in detail.statement.items() if k != "query"}))
    for note in detail.notes:
        parts.append(Text(note, style="dim"))
    return Group(*parts)


class SessionDetailScreen(Dialog[None]):
    """A modal with everything bastion knows about one session."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("y", "copy", "Copy query"),
    ]
    DEFAULT_CSS = """
    SessionDetailScreen > .dialog { width: 110; max-width: 98%; height: 90%; max-height: 90%; }
    SessionDetailScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, detail: SessionDetail, blockers: list[int], waiters: list[int]) -> None:
        super().__init__()
        self.detail = detail
        self.blockers = blockers
        self.waiters = waiters

    def compose(self) -> ComposeResult:
        s = self.detail.session
        with Vertical(classes="dialog", id="session-detail"):
            yield Label(f"Session {s.pid} · {s.usename or '?'}@{s.datname or '?'} · {s.state or '?'}",
                        classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(detail_renderable(self.detail, self.blockers, self.waiters))
            yield Static("↑↓ scroll · y copy query (OSC 52) · esc close", classes="dialog-keys")

    def action_copy(self) -> None:
        # OSC 52 reaches the local clipboard through ssh and tmux.
        self.app.copy_to_clipboard(self.detail.session.query or "")
        self.notify("Query copied to the clipboard.")

    def action_close(self) -> None:
        self.dismiss(None)
