"""A yes/no question; for dangerous actions, the user types a word to confirm."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


class ConfirmScreen(Dialog[bool]):
    """Returns True only on an explicit yes (and the typed word, if one is required)."""

    BINDINGS = [
        Binding("escape", "answer(False)", "Cancel"),
        Binding("n", "answer(False)", "No", show=False),
        Binding("y", "answer(True)", "Yes", show=False),
    ]

    def __init__(self, title: str, body: str, require_text: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.require_text = require_text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -danger", id="confirm-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.body, classes="dialog-body", markup=False)
            if self.require_text:
                yield Static(f"Type {self.require_text!r} to confirm:", markup=False)
                yield SteadyInput(id="confirm-input")
                yield Static("", id="confirm-error", classes="dialog-error")
                yield Static("enter confirm · esc cancel", classes="dialog-keys")
            else:
                yield Static("y yes · n/esc no", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.require_text:
            self.dismiss(True)
        else:
            self.query_one("#confirm-error", Static).update("That does not match; nothing was done.")

    def action_answer(self, yes: bool) -> None:
        if yes and self.require_text:
            return  # typing the word is the only way to say yes here
        self.dismiss(yes)
