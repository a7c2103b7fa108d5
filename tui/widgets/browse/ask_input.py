"""The one-line question under the status line: a filter (`f`) or a position (`%`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.widgets import Input

from tui.widgets.steady_input import SteadyInput


class AskInput(SteadyInput):
    """Hidden until asked; `enter` posts the answer (`AskInput.Answered`), and the
    pane hides it and gives the keys back to the grid."""

    @dataclass
    class Answered(Message):
        """The user answered: `mode` is "filter" or "position"."""

        mode: str
        value: str

    def __init__(self) -> None:
        super().__init__(id="browse-input")
        self.mode = "filter"

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def ask(self, mode: str, value: str, placeholder: str) -> None:
        """Show the input with `value` in it, and take the keys."""
        self.mode = mode
        self.value, self.placeholder = value, placeholder
        self.add_class("-shown")
        self.focus()

    def hide(self) -> None:
        self.remove_class("-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Answered(self.mode, event.value))
