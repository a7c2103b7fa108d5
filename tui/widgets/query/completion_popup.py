"""Completion candidates beside the editor's cursor."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.services.query.completion import Candidate


class CompletionPopup(OptionList):
    """Shows what could finish the word at the cursor; the editor keeps the focus, so
    the pane passes the keys down (`move`, `pick`, `hide`) and hears `Picked`."""

    class Picked(Message):
        """A candidate was chosen: it replaces the text from `start` to the cursor."""

        def __init__(self, candidate: Candidate, start: int) -> None:
            super().__init__()
            self.candidate = candidate
            self.start = start

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.start = 0  # offset in the editor's text where the word being completed starts
        self.candidates: list[Candidate] = []

    def on_mount(self) -> None:
        self.display = False

    @property
    def shown(self) -> bool:
        return bool(self.display)

    def show_candidates(self, start: int, candidates: list[Candidate], offset: tuple[int, int]) -> None:
        """Show `candidates` at `offset` (relative to the pane), or hide when there are none."""
        self.start, self.candidates = start, candidates
        if not candidates:
            self.display = False
            return
        self.clear_options()
        self.add_options([Option(Text.assemble(c.text, (f"  {c.kind}", "dim"))) for c in candidates])
        self.highlighted = 0
        self.styles.offset = offset
        self.display = True

    def move(self, step: int) -> None:
        """Highlight the next (or previous) candidate, round the ends."""
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + step) % self.option_count

    def pick(self) -> None:
        """Close, and post `Picked` with the highlighted candidate."""
        index = self.highlighted or 0
        self.display = False
        if 0 <= index < len(self.candidates):
            self.post_message(self.Picked(self.candidates[index], self.start))

    def hide(self) -> None:
        self.display = False
