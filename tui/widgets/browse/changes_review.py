"""The dialog ctrl+s opens: every statement of the change set, then apply or go back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


class ChangesReview(Dialog[bool]):
    """The exact SQL, in one transaction. `y` applies; on a production profile the
    profile's name must be typed instead. esc (or n) goes back, the changes kept."""

    DEFAULT_CSS = """
    ChangesReview #changes-review { width: 110; }
    ChangesReview #changes-sql { max-height: 70vh; }
    """

    BINDINGS = [
        Binding("escape", "answer(False)", "Back", id="changes_review.back"),
        Binding("n", "answer(False)", "Back", show=False, id="changes_review.no"),
        Binding("y", "answer(True)", "Apply", show=False, id="changes_review.apply"),
    ]

    def __init__(self, title: str, preview: str, require_name: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview
        self.require_name = require_name

    def compose(self) -> ComposeResult:
        danger = " -danger" if self.require_name else ""
        with Vertical(classes="dialog" + danger, id="changes-review"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll", id="changes-sql"):
                yield Static(self.preview, markup=False)
            if self.require_name:
                yield Static(f"Production: type {self.require_name!r} to apply all of it:", markup=False)
                yield SteadyInput(id="changes-name")
                yield Static("", id="changes-error", classes="dialog-error")
                yield Static("enter apply · esc back (the changes stay staged)", classes="dialog-keys")
            else:
                yield Static("y apply · n/esc back (the changes stay staged)", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing and self.require_name:
            self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.require_name:
            self.dismiss(True)
        else:
            self.query_one("#changes-error", Static).update("That does not match; nothing was applied.")

    def action_answer(self, yes: bool) -> None:
        if yes and self.require_name:
            return  # typing the name is the only way to say yes here
        self.dismiss(yes)
