"""The commit prompt: commit, roll back, or stay in the open transaction."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from tui.services.query.guard import Question
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

COMMIT, ROLLBACK, STAY = "commit", "rollback", "stay"


class TransactionPrompt(Dialog[str]):
    """Returns "commit" only on its explicit key (`c`, or the typed profile name);
    esc, `s`, `n` and anything else stay in the transaction; `r` / f12 roll back."""

    BINDINGS = [
        Binding("escape", "answer('stay')", "Stay"),
        Binding("s,n", "answer('stay')", "Stay", show=False),
        Binding("c", "answer('commit')", "Commit", show=False),
        Binding("r,f12", "answer('rollback')", "Roll back", show=False),
    ]

    def __init__(self, question: Question) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        question = self.question
        with Vertical(classes="dialog -danger", id="transaction-dialog"):
            yield Label(question.title, classes="dialog-title", markup=False)
            yield Static(question.body, classes="dialog-body", markup=False)
            if question.require_text:
                yield Static(f"Type {question.require_text!r} to commit:", markup=False)
                yield SteadyInput(id="transaction-input")
                yield Static("", id="transaction-error", classes="dialog-error")
                yield Static("enter commit · f12 roll back · esc stay", classes="dialog-keys")
            else:
                yield Static("c commit · r roll back · esc stay", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value == self.question.require_text:
            self.dismiss(COMMIT)
        else:
            self.query_one("#transaction-error", Static).update("That does not match; nothing was committed.")

    def action_answer(self, answer: str) -> None:
        if answer == COMMIT and self.question.require_text:
            return  # typing the name is the only way to commit here
        self.dismiss(answer)
