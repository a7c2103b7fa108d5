"""Completion candidates beside the editor's cursor."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.db.base import Database
from tui.services.query.completion import Candidate, CompletionCatalog, complete
from tui.widgets.query.host import QueryHost


class CompletionPopup(OptionList):
    """Shows what could finish the word at the cursor, from the database's names
    (loaded in a worker); the editor keeps the focus, so the pane passes the keys
    down (`move`, `pick`, `hide`); a pick goes into the pane's editor."""

    class CatalogLoaded(Message):
        """The names to complete, or why they could not be read."""

        def __init__(self, catalog: CompletionCatalog | None, error: Exception | None = None) -> None:
            super().__init__()
            self.catalog, self.error = catalog, error

    class Picked(Message):
        """A candidate was chosen: it replaces the text from `start` to the cursor."""

        def __init__(self, candidate: Candidate, start: int) -> None:
            super().__init__()
            self.candidate = candidate
            self.start = start

    def __init__(self, database: Database, host: QueryHost, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.database, self.host = database, host
        self.catalog: CompletionCatalog | None = None
        self.start = 0  # offset in the editor's text where the word being completed starts
        self.candidates: list[Candidate] = []

    def on_mount(self) -> None:
        self.display = False

    @property
    def shown(self) -> bool:
        return bool(self.display)

    @property
    def open_in_editor(self) -> bool:
        """Shown while the editor has the focus: the pane's keys move and pick."""
        return self.shown and self.host.editor_tabs.editor.has_focus

    def complete_at_cursor(self) -> None:
        """ctrl+space: show what could finish the word at the editor's cursor."""
        if self.catalog is None:
            self.app.notify("Completion is still loading the catalog.")
            return
        self.follow_cursor(open_if_closed=True)

    def follow_cursor(self, open_if_closed: bool = False) -> None:
        """The cursor moved: show the candidates for the word now under it (if shown)."""
        if self.shown or open_if_closed:
            x, y = self.host.editor_tabs.editor.cursor_screen_offset
            region = self.host.region
            self.show_for(*self.host.editor_tabs.text_and_cursor(),
                          at=(max(0, x - region.x), max(0, y - region.y + 1)))

    @on(Picked)
    def _picked(self, message: Picked) -> None:
        self.host.editor_tabs.insert_completion(message.candidate, message.start)

    @work(thread=True, group="completion-catalog", exclusive=True, exit_on_error=False)
    def load_catalog(self) -> None:
        """Read the names to complete (again: after DDL, or a reconnect)."""
        try:
            catalog = CompletionCatalog.load(self.database)
        except Exception as exc:  # noqa: BLE001 - no completion, the editor works without
            self.post_message(self.CatalogLoaded(None, exc))
            return
        if not get_current_worker().is_cancelled:  # a newer load replaced this one
            self.post_message(self.CatalogLoaded(catalog))

    @on(CatalogLoaded)
    def _catalog_loaded(self, message: CatalogLoaded) -> None:
        if message.catalog is not None:
            self.catalog = message.catalog

    def show_for(self, text: str, offset: int, at: tuple[int, int]) -> None:
        """Show what could finish the word before `offset` in `text`, at `at` (relative
        to the pane), or hide when nothing could."""
        if self.catalog is None:
            return
        self.start, self.candidates = complete(text, offset, self.catalog)
        if not self.candidates:
            self.display = False
            return
        self.clear_options()
        self.add_options([Option(Text.assemble(c.text, (f"  {c.kind}", "dim"))) for c in self.candidates])
        self.highlighted = 0
        self.styles.offset = at
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
