"""The saved queries: search them, open one in a new tab or run it straight away."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.saved.files import SavedQuery
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

SCOPE_MARKS = {"project": "project", "profile": "profile", "health": "health "}


def matches(query: SavedQuery, search: str) -> bool:
    """Every word of the search in the name, the description or the SQL."""
    haystack = f"{query.name} {query.description} {query.sql}".lower()
    return all(word in haystack for word in search.lower().split())


class SavedPickerScreen(Dialog[tuple[SavedQuery, str] | None]):
    """Returns (the query, "tab" or "run"), or None."""

    DEFAULT_CSS = """
    #saved-dialog { width: 100; height: 90%; }
    #saved-list { height: 1fr; }
    #saved-detail { height: auto; max-height: 4; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("down", "to_list", "List", show=False),
        Binding("ctrl+j,f5", "choose('run')", "Run", priority=True),
    ]

    def __init__(self, queries: list[SavedQuery], problems: list[str]) -> None:
        super().__init__()
        self.queries = queries
        self.problems = problems
        self.shown: list[SavedQuery] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="saved-dialog"):
            yield Label("Saved queries", classes="dialog-title")
            if self.problems:
                yield Static("\n".join(self.problems), classes="dialog-error", markup=False)
            yield SteadyInput(placeholder="search names, descriptions and SQL", id="saved-search")
            yield OptionList(id="saved-list")
            yield Static("", id="saved-detail", markup=False)
            yield Static("type to search · ↓ list · enter open in a new tab · ctrl+j/f5 run · esc close",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self._fill("")

    @on(Input.Changed, "#saved-search")
    def _search(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, search: str) -> None:
        self.shown = [q for q in self.queries if matches(q, search)]
        width = max((len(q.name) for q in self.shown), default=10)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(f"{q.name:<{width}}  {SCOPE_MARKS.get(q.scope, q.scope)}  {q.description}")
                             for q in self.shown] or [Option("(no saved query matches)", disabled=True)])
        if self.shown:
            options.highlighted = 0

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.shown):
            query = self.shown[event.option_index]
            advice = f"When it looks bad: {query.advice}\n" if query.advice else ""
            first = " ".join(query.sql.split())
            self.query_one("#saved-detail", Static).update(advice + (first[:300]))

    @on(Input.Submitted, "#saved-search")
    def _submit_search(self) -> None:
        self.action_choose("tab")

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if 0 <= event.option_index < len(self.shown):
            self.dismiss((self.shown[event.option_index], "tab"))

    def action_choose(self, how: str) -> None:
        index = self.query_one(OptionList).highlighted
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss((self.shown[index], how))

    def action_close(self) -> None:
        self.dismiss(None)
