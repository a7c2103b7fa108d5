"""What the Query pane offers the pieces it composes (completion, transactions,
saved queries, watch mode), so they act on it without importing it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from textual.geometry import Region

from tui.services.query.guard import Guard
from tui.services.query.splitter import Statement
from tui.widgets.query.editor_tabs import EditorTabs
from tui.widgets.query.guard_prompt import GuardPrompt
from tui.widgets.query.results_view import ResultsView


class QueryHost(Protocol):
    """The Query pane as its pieces see it: its editor, results, prompt, and runs."""

    editor_tabs: EditorTabs
    results: ResultsView
    prompt: GuardPrompt
    timings: bool  # durations in the status line (off in snapshot tests)

    @property
    def region(self) -> Region: ...

    def busy(self) -> bool:
        """A statement or an EXPLAIN is using the session's connection."""
        ...

    def guard(self) -> Guard:
        """The profile's guard for a run."""
        ...

    def run_statements(self, statements: list[Statement], guard: Guard | None = None) -> None:
        """Run these statements as if typed and run in the editor."""
        ...

    def after_typed_keys(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback` once the editor has handled the keys typed before this one."""
        ...

    def show_message(self, text: str, style: str = "") -> None:
        """A line in the results' messages."""
        ...

    def set_status(self, text: str) -> None:
        """The status line's text (the transaction's words are added to it)."""
        ...
