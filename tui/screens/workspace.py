"""The workspace after connecting: header, catalog sidebar, the four panes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static, TabbedContent, TabPane

from tui.db.base import Database
from tui.profiles import Profile
from tui.widgets.catalog_tree import CatalogTree
from tui.widgets.connection_header import ConnectionHeader

# What each pane will hold; shown until the pane is built.
PANES: list[tuple[str, str, str]] = [
    ("browse", "Browse", "Table browser: data paged by keys, sort and filter, structure, "
     "sizes and row estimates, a viewer for long and JSON values."),
    ("query", "Query", "Query runner: SQL editor with completion, streamed results, cancel, "
     "errors in place, EXPLAIN, history and export."),
    ("migrations", "Migrations", "Migration status: Alembic applied / pending / heads / branches, "
     "and other migration tools' tables."),
    ("activity", "Activity", "Live activity: sessions, blocking trees, cancel/terminate, "
     "server metrics with sparklines."),
]


class WorkspaceScreen(Screen[None]):
    """One open connection. Closing the screen closes the connection."""

    BINDINGS = [
        Binding("1", "pane('browse')", "Browse"),
        Binding("2", "pane('query')", "Query"),
        Binding("3", "pane('migrations')", "Migrations"),
        Binding("4", "pane('activity')", "Activity"),
        Binding("s", "focus_sidebar", "Sidebar", show=False),
        Binding("ctrl+o", "app.picker", "Profiles"),
    ]

    def __init__(self, profile: Profile, database: Database) -> None:
        super().__init__()
        self.profile = profile
        self.database = database
        if profile.production:
            self.add_class("-production")

    def compose(self) -> ComposeResult:
        yield ConnectionHeader(self.profile, self.database.info)
        with Horizontal(id="workspace-body"):
            with Vertical(id="sidebar"):
                yield CatalogTree(self.database)
            with TabbedContent(id="panes"):
                for pane_id, title, description in PANES:
                    with TabPane(title, id=pane_id):
                        yield self._pane(pane_id, title, description)
        yield Footer()

    def _pane(self, pane_id: str, title: str, description: str) -> Widget:
        if pane_id == "query":
            from tui.widgets.query.pane import QueryPane

            return QueryPane(self.database, self.profile)
        return Static(f"{title}\n\n{description}\n\nComing in a later version.",
                      classes="pane-placeholder", markup=False)

    def action_pane(self, pane_id: str) -> None:
        self.query_one("#panes", TabbedContent).active = pane_id

    def action_focus_sidebar(self) -> None:
        self.query_one(CatalogTree).focus()

    def on_unmount(self) -> None:
        database = self.database
        self.app.run_in_thread(database.close)  # type: ignore[attr-defined]
