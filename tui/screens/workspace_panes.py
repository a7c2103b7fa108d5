"""Which panes a workspace has for a kind of connection, and how each is built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widget import Widget

from tui.db.roles import POOLER_CONSOLE, SERVER

if TYPE_CHECKING:
    from tui.screens.workspace import WorkspaceScreen

# The panes' modules, imported only when a workspace shows the pane (see build_pane), or
# to read every pane's key bindings (the app checking a keymap's binding ids).
PANE_MODULES = (
    "tui.widgets.browse", "tui.widgets.query.pane", "tui.widgets.migrations", "tui.widgets.activity",
    "tui.widgets.server", "tui.widgets.pooler",
)
PANES: list[tuple[str, str]] = [
    ("browse", "Browse"), ("query", "Query"), ("migrations", "Migrations"), ("activity", "Activity"),
    ("server", "Server"),
]


def panes_for(kind: str) -> list[tuple[str, str]]:
    """The panes a connection of this kind has (pane id, title)."""
    if kind == "pgbouncer":
        return [("pooler", "Pooler")]
    if kind == "sqlite":
        return [pane for pane in PANES if pane[0] != "server"]
    return PANES


def build_pane(screen: WorkspaceScreen, pane_id: str) -> Widget:
    """The pane `pane_id` of `screen`'s connection, built on its first showing."""
    # Imported here: each pane's modules load only when a workspace opens.
    if pane_id == "browse":
        from tui.widgets.browse import BrowsePane

        return BrowsePane(screen.database, screen.profile)
    if pane_id == "query":
        from tui.widgets.query.pane import QueryPane

        return QueryPane(screen.database, screen.profile, storage_key=screen.storage_key)
    if pane_id == "migrations":
        from tui.widgets.migrations import MigrationsPane

        return MigrationsPane(screen.database, screen.profile, on_profile_change=screen.profile_changed)
    if pane_id == "server":
        from tui.widgets.server import ServerPane

        return ServerPane(lambda: screen.database.connect(SERVER), screen.database.info.version_num)
    if pane_id == "pooler":
        from tui.widgets.pooler import PoolerPane

        return PoolerPane(lambda: screen.database.connect(POOLER_CONSOLE), screen.profile)
    from tui.widgets.activity import ActivityPane

    return ActivityPane(screen.database, screen.profile)
