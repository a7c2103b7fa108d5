"""The statements run on this profile: search, then load one into the editor."""

from __future__ import annotations

import time

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.query.history import HistoryEntry, HistoryStore
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

SHOWN = 300


def entry_line(entry: HistoryEntry) -> str:
    when = time.strftime("%m-%d %H:%M", time.localtime(entry.at))
    status = "tab" if entry.closed_tab else "ok " if entry.ok else "ERR"
    sql = " ".join(entry.sql.split())
    return f"{when} {status} {entry.duration:7.3f}s {max(entry.rows, 0):>8} │ {sql[:200]}"


class HistoryScreen(Dialog[str | None]):
    """Returns the chosen statement's text, or None."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("down", "to_list", "List", show=False)]

    def __init__(self, store: HistoryStore) -> None:
        super().__init__()
        self.store = store
        self.entries: list[HistoryEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="history-dialog"):
            yield Label("History", classes="dialog-title")
            yield SteadyInput(placeholder="search statements", id="history-search")
            yield OptionList(id="history-list")
            yield Static("type to search · ↓ list · enter load into editor · esc close", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self._fill("")

    @on(Input.Changed, "#history-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, search: str) -> None:
        self.entries = self.store.entries(search)[:SHOWN]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(entry_line(e)) for e in self.entries] or [Option("(nothing yet)", disabled=True)])

    @on(Input.Submitted, "#history-search")
    def _submit_search(self) -> None:
        self.action_to_list()

    def action_to_list(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        if options.highlighted is None and self.entries:
            options.highlighted = 0

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.entries):
            self.dismiss(self.entries[event.option_index].sql)

    def action_close(self) -> None:
        self.dismiss(None)
