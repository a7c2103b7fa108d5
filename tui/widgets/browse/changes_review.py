"""The dialog ctrl+s opens: every statement of the change set, then apply or go back."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

# What a non-production profile types to apply: a word, so that no stray key (or
# a few: d, ctrl+s, y was three) ever commits; production types the profile's name.
APPLY_WORD = "apply"


class ChangesReview(Dialog[bool]):
    """The exact SQL, in one transaction. Applying takes a typed word and enter:
    `apply`, or on a production profile the profile's name. esc goes back, the
    changes kept."""

    DEFAULT_CSS = """
    ChangesReview #changes-review { width: 110; }
    """

    BINDINGS = [
        Binding("escape", "answer(False)", "Back", id="changes_review.back"),
    ]

    def __init__(self, title: str, preview: str, require_name: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview
        self.require_name = require_name  # production: its name is the word to type

    @property
    def word(self) -> str:
        return self.require_name or APPLY_WORD

    def compose(self) -> ComposeResult:
        danger = " -danger" if self.require_name else ""
        with Vertical(classes="dialog" + danger, id="changes-review"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll", id="changes-sql"):
                yield Static(self.preview, markup=False)
            if self.require_name:
                yield Static(f"Production: type {self.require_name!r} to apply all of it:", markup=False)
            else:
                yield Static(f"Type {APPLY_WORD!r} to apply all of it:", markup=False)
            yield SteadyInput(id="changes-name")
            yield Static("", id="changes-error", classes="dialog-error")
            yield Static("enter apply · esc back (the changes stay staged)", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self.query_one(Input).focus()

    def on_resize(self, event: events.Resize) -> None:
        # The statements give way first: the typed answer stays in view at 80x24.
        self.query_one("#changes-sql").styles.max_height = max(3, min(18, event.size.height - 15))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.word:
            self.dismiss(True)
        else:
            self.query_one("#changes-error", Static).update("That does not match; nothing was applied.")

    def action_answer(self, yes: bool) -> None:
        if yes:
            return  # typing the word is the only way to say yes here
        self.dismiss(False)
