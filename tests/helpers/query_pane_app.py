"""The Query pane alone on a real database, for pilot and snapshot tests."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import TextArea

import tui
from tui.profiles import Profile
from tui.widgets.query.pane import QueryPane


class PaneApp(App[None]):
    """The Query pane alone, on a real database."""

    CSS_PATH = Path(tui.__file__).resolve().parent / "bastion.tcss"

    def __init__(self, database, profile: Profile) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.database, self.profile = database, profile

    def compose(self) -> ComposeResult:
        yield QueryPane(self.database, self.profile)

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.query_one(TextArea).focus()
