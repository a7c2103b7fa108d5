"""Show a message (an error, a test result) until the user closes it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.widgets.dialogs.dialog import Dialog


class MessageScreen(Dialog[None]):
    """A titled, scrollable text; enter, esc or q closes it."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("enter", "close", "Close", show=False),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, title: str, body: str, error: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.error = error

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog" + (" -danger" if self.error else ""), id="message-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self.body, markup=False, id="message-body")
            yield Static("enter/esc close", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
