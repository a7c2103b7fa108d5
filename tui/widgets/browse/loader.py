"""The Browse pane's reads, off the UI thread: one named worker per kind of read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import RenderableType
from textual import work
from textual.message import Message
from textual.widget import Widget

from tui.db.link import in_background
from tui.db.reader import QueryError, Source
from tui.messages import ConnectionLost
from tui.services.browse import KeysetPager, Page, RelationInfo, full_row, load_stats, load_structure
from tui.services.browse.copying import read_full_rows
from tui.services.browse.navigation import Opened, Place, open_place
from tui.widgets.browse.structure_view import stats_renderable, structure_renderable


class RelationLoader(Widget):
    """Reads a relation's pages, rows and facts on the pane's own connection, and
    posts what it read (or `LoadFailed`) with the generation of the read it answers.
    Shows nothing; a new read replaces the running one (one worker group)."""

    DEFAULT_CSS = "RelationLoader { display: none; }"

    @dataclass
    class RelationOpened(Message):
        """A relation was described and its first (or remembered) page read."""

        generation: int
        place: Place
        opened: Opened

    @dataclass
    class PageLoaded(Message):
        """A page was read by `pager` (another page, or the first under a new sort or filter)."""

        generation: int
        pager: KeysetPager
        page: Page
        cursor_row: int

    @dataclass
    class RowFetched(Message):
        """A row read again in full (its cells were cut in the grid); None: it is gone."""

        generation: int
        values: list[str | None] | None
        column: int
        use: str  # "view", or what to copy: "cell", "json", "insert"

    @dataclass
    class RowsFetched(Message):
        """Rows (page indexes) read again uncut, for a copy of a selection."""

        generation: int
        fetched: dict[int, list[str | None] | None]
        copy: tuple[Any, str]  # the selection's span and the format to copy it in

    @dataclass
    class ViewLoaded(Message):
        """The Structure or Stats view of the relation, ready to show."""

        generation: int
        view: str
        renderable: RenderableType

    @dataclass
    class LoadFailed(Message):
        """A read failed; `rows_kept`: a new sort or filter failed, the old rows stay."""

        generation: int
        message: str
        rows_kept: bool = False

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def cancel_on_server(self) -> None:
        """Stop the running query on the server, not only here."""
        # A cancel request is a connection of its own to the server: over a slow or
        # dead link that takes a while, so never on the UI thread.
        in_background(self.source.cancel, "browse-cancel")

    def _failed(self, generation: int, exc: Exception, rows_kept: bool = False) -> None:
        """In a worker: report a failed read (and a lost connection to the workspace)."""
        if isinstance(exc, QueryError):
            message = str(exc)
            if exc.connection_lost:
                self.post_message(ConnectionLost(message))
                message += " (connection lost; the next load reconnects)"
        else:
            message = f"{type(exc).__name__}: {exc}"
        self.post_message(self.LoadFailed(generation, message, rows_kept))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def read_place(self, generation: int, place: Place, page_size: int) -> None:
        """Describe the place's relation and read its page."""
        try:
            opened = open_place(self.source, place, page_size)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._failed(generation, exc)
        else:
            self.post_message(self.RelationOpened(generation, place, opened))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def read_page(self, generation: int, pager: KeysetPager, move: Callable[[KeysetPager], Page],
                  cursor_row: int, rows_kept: bool = False) -> None:
        """Another page by `move` (KeysetPager.next, .first, ...)."""
        try:
            page = move(pager)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._failed(generation, exc, rows_kept)
        else:
            self.post_message(self.PageLoaded(generation, pager, page, cursor_row))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def read_row(self, generation: int, relation: RelationInfo, key: tuple[Any, ...],
                 column: int, use: str) -> None:
        """The row with this key, uncut."""
        try:
            values = full_row(self.source, relation, key)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._failed(generation, exc)
        else:
            self.post_message(self.RowFetched(generation, values, column, use))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def read_rows(self, generation: int, relation: RelationInfo, rows: list[int], keys: list[tuple[Any, ...]],
                  copy: tuple[Any, str]) -> None:
        """These page rows (by key), uncut, for `copy`."""
        try:
            values = read_full_rows(self.source, relation, keys)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._failed(generation, exc)
        else:
            self.post_message(self.RowsFetched(generation, dict(zip(rows, values, strict=True)), copy))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def read_view(self, generation: int, view: str, relation: RelationInfo) -> None:
        """The Structure ("browse-structure") or Stats view, rendered."""
        try:
            if view == "browse-structure":
                renderable = structure_renderable(load_structure(self.source, relation))
            else:
                renderable = stats_renderable(relation.label, load_stats(self.source, relation))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._failed(generation, exc)
        else:
            self.post_message(self.ViewLoaded(generation, view, renderable))
