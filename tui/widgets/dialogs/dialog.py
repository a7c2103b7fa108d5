"""The base of bastion's modal dialogs."""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal that can be dismissed only once, and only while it is on top.

    Two quick keys (a result arriving as the user presses esc) would otherwise
    dismiss twice and pop the screen underneath, or fail inside Textual.
    """

    _dismissed = False

    @property
    def closing(self) -> bool:
        """Dismissed (or never shown): a Mount that arrives after a quick esc finds
        no children, so on_mount handlers check this first."""
        return self._dismissed or not self.is_attached

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        if self._dismissed or not self.is_attached or self.app.screen is not self:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)
