"""The production guard's questions, asked from the run's worker thread."""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual import on
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.services.query.guard import Question
from tui.widgets.dialogs.confirm import ConfirmScreen


class GuardPrompt(Widget):
    """Shows nothing itself: `ask` (called by the guard in the worker) posts `Asked`,
    the confirmation is pushed on the UI thread, and the worker waits for the answer."""

    DEFAULT_CSS = "GuardPrompt { display: none; }"

    class Asked(Message):
        """The guard wants a yes or no; the worker waits for `reply`."""

        bubble = False  # answered here

        def __init__(self, question: Question, reply: Callable[[bool | None], None]) -> None:
            super().__init__()
            self.question, self.reply = question, reply

    def __init__(self) -> None:
        super().__init__()
        self.waiting = False  # a confirmation is on screen; the worker waits for it

    def ask(self, question: Question) -> bool:
        """Show a confirmation from the worker and wait for the answer (no if the app goes)."""
        answered = threading.Event()
        answers: list[bool] = []

        def reply(yes: bool | None) -> None:
            answers.append(bool(yes))
            answered.set()

        worker = get_current_worker()
        try:
            self.post_message(self.Asked(question, reply))
            while not answered.wait(0.1):
                if worker.is_cancelled or not self.app.is_running:
                    return False
        except RuntimeError:  # the app is shutting down
            return False
        return answers[0]

    @on(Asked)
    def _show_question(self, message: Asked) -> None:
        # Built and pushed on the UI thread; the worker waits for the reply.
        def answered(yes: bool | None) -> None:
            self.waiting = False
            message.reply(yes)

        question = message.question
        self.waiting = True
        self.app.push_screen(ConfirmScreen(question.title, question.body, question.require_text), answered)
