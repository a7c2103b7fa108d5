"""Command palette entries for saved queries, watch mode and plots: each opens
the Query tab and asks its pane (built on first view) to act."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from textual.app import SystemCommand

PANE_WAIT_TRIES = 40  # × 50 ms: the Query pane is built the first time it is shown


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
    from tui.services.saved.files import SavedFileError
    from tui.services.saved.library import SavedLibrary

    if "query" not in dict(workspace.panes):
        return
    yield SystemCommand("Saved queries", "Search the saved queries (ctrl+l in the Query tab)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_saved_queries()))
    yield SystemCommand("Save query", "Save the editor's statement or selection under a name (ctrl+s)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_save_query()))
    yield SystemCommand("Watch query", "Run the statement under the cursor every N seconds (w in the results)",
                        lambda: on_query_pane(workspace, lambda pane: pane.action_watch()))
    info = workspace.database.info
    try:
        library = SavedLibrary.load(workspace.profile.name, with_health=info.kind != "sqlite")
    except (OSError, SavedFileError):
        return
    for query in library.queries():
        if not query.runs_on(info.version_num):
            continue
        about = query.description or " ".join(query.sql.split())[:80]
        for verb, how in (("Open", "tab"), ("Run", "run")):
            yield SystemCommand(f"{verb} saved query: {query.name}", about,
                                lambda name=query.name, how=how: on_query_pane(  # type: ignore[misc]
                                    workspace, lambda pane: pane.saved.open(name, how)))
