"""The Migrations pane on a screen of its own, for pilot tests."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from tui.widgets.migrations import MigrationsPane


class PaneScreen(Screen[None]):
    """Just the Migrations pane and the footer."""

    def __init__(self, pane: MigrationsPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()
