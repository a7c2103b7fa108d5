"""Command palette entries for saved queries, watch mode and plots: each opens
the Query tab and asks its pane (built on first view) to act."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual import work
from textual.app import SystemCommand
from textual.message import Message
from textual.widget import Widget

from tui.services.saved.library import SavedLibrary

PANE_WAIT_TRIES = 40  # × 50 ms: the Query pane is built the first time it is shown


class SavedQueryIndex(Widget):
    """The saved queries the palette lists, read off the UI thread: when the
    workspace mounts, after a save, and each time the palette has listed them
    (so a file edited outside bastion shows up on the next opening)."""

    DEFAULT_CSS = "SavedQueryIndex { display: none; }"

    class Loaded(Message):
        def __init__(self, library: SavedLibrary) -> None:
            super().__init__()
            self.library = library

    def __init__(self, profile_name: str, with_health: bool) -> None:
        super().__init__()
        self.profile_name, self.with_health = profile_name, with_health
        self.library: SavedLibrary | None = None

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, group="saved-query-index", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            library = SavedLibrary.load(self.profile_name, with_health=self.with_health)
        except OSError:
            return  # the palette lists what it had; the picker (ctrl+l) reports the problem
        self.post_message(self.Loaded(library))

    def on_saved_query_index_loaded(self, message: Loaded) -> None:
        message.stop()
        self.library = message.library


def on_query_pane(workspace: Any, act: Callable[[Any], object]) -> None:
    """Show the Query tab, then call `act(pane)` once the pane is there."""
    from tui.widgets.query.pane import QueryPane

    workspace.action_pane("query")

    def attempt(tries: int) -> None:
        panes = workspace.query(QueryPane)
        if panes and panes.first().is_mounted:
            act(panes.first())
        elif tries:
            workspace.set_timer(0.05, lambda: attempt(tries - 1))

    workspace.call_after_refresh(attempt, PANE_WAIT_TRIES)


def saved_query_commands(workspace: Any) -> Iterator[SystemCommand]:
    """The palette's saved-query commands for a workspace with a Query tab."""
    if "query" not in dict(workspace.panes):
        return
    yield SystemCommand("Saved queries", "Search the saved queries (ctrl+l in the Query tab)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_saved_queries()))
    yield SystemCommand("Save query", "Save the editor's statement or selection under a name (ctrl+s)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_save_query()))
    yield SystemCommand("Watch query", "Run the statement under the cursor every N seconds (w in the results)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_watch()))
    info = workspace.database.info
    index = workspace.query_one(SavedQueryIndex)
    library = index.library
    index.load()
    if library is None:
        return
    for query in library.queries():
        if not query.runs_on(info.version_num):
            continue
        about = query.description or " ".join(query.sql.split())[:80]
        for verb, how in (("Open", "tab"), ("Run", "run")):
            yield SystemCommand(f"{verb} saved query: {query.name}", about,
                                lambda name=query.name, how=how: on_query_pane(  # type: ignore[misc]
                                    workspace, lambda pane: pane.saved.open(name, how)))
