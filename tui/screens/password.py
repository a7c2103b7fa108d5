"""Ask for a password: masked, never echoed, never stored by this screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


class PasswordScreen(Dialog[str | None]):
    """Returns the typed password, or None if the user gave up (esc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, target: str, message: str = "", note: str = "") -> None:
        super().__init__()
        self.target = target
        self.message = message
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="password-dialog"):
            yield Label(f"Password for [b]{self.target}[/b]", classes="dialog-title", markup=True)
            if self.message:
                yield Static(self.message, classes="dialog-error", markup=False)
            yield SteadyInput(password=True, placeholder="password", id="password-input")
            if self.note:
                yield Static(self.note, classes="dialog-note", markup=False)
            yield Static("enter connect · esc cancel", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
