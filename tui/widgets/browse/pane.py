"""The Browse tab: a relation's data paged by key, its structure and its stats."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from tui.db.base import Database
from tui.db.link import stop_and_close
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.browse import (
    ForeignKey,
    KeysetPager,
    Page,
    QueryError,
    RelationInfo,
    describe_relation,
    foreign_keys,
    source_for,
)
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.row_actions import RowActions
from tui.widgets.browse.structure_view import FactsView
from tui.widgets.steady_input import SteadyInput


@dataclass
class Place:
    """Where the user was: for `backspace` after a foreign-key jump."""

    schema: str | None
    name: str
    kind: str
    sort: str | None = None
    descending: bool = False
    where: str = ""
    seek: dict[str, str] = field(default_factory=dict)
    first_key: tuple[Any, ...] | None = None
    cursor: tuple[int, int] = (0, 0)


class BrowsePane(RowActions, Widget, can_focus=False):
    """One relation at a time: Data (keyset-paged grid), Structure and Stats.

    Every query runs in a thread worker on the pane's own connection; opening
    another relation cancels the previous load (on the server too).
    """

    BINDINGS = [
        Binding("n", "next_page", "Next page", id="browse.next_page"),
        Binding("p", "previous_page", "Prev page", id="browse.previous_page"),
        Binding("g", "first_page", "First", show=False, id="browse.first_page"),
        Binding("G", "last_page", "Last page", id="browse.last_page"),
        Binding("percent_sign", "ask_position", "Go to %", show=False, id="browse.go_to_percent"),
        Binding("o", "sort", "Sort", id="browse.sort"),
        Binding("f", "ask_filter", "Filter", id="browse.filter"),
        Binding("enter", "view_value", "View value", show=False, id="browse.view_value"),
        Binding("c", "copy_cell", "Copy cell", id="browse.copy_cell"),
        Binding("J", "copy_json", "Copy JSON", show=False, id="browse.copy_json"),
        Binding("I", "copy_insert", "Copy INSERT", show=False, id="browse.copy_insert"),
        Binding("right_square_bracket", "follow_fk", "Follow FK", id="browse.follow_fk"),
        Binding("backspace", "back", "Back", show=False, id="browse.back"),
        Binding("v", "cycle_view", "Data/Structure/Stats", id="browse.cycle_view"),
        Binding("escape", "cancel", "Cancel", show=False, id="browse.cancel"),
    ]

    DEFAULT_CSS = """
    BrowsePane { height: 1fr; }
    BrowsePane #browse-title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    BrowsePane #browse-status { height: 1; padding: 0 1; color: $text-muted; }
    BrowsePane #browse-status.-error { color: $error; text-style: bold; }
    BrowsePane #browse-input { height: 1; border: none; padding: 0 1; display: none; }
    BrowsePane #browse-input.-shown { display: block; }
    BrowsePane ContentSwitcher { height: 1fr; }
    BrowsePane #browse-empty { padding: 1 2; color: $text-muted; }
    BrowsePane DataGrid { height: 1fr; }
    """

    show_timings = True  # the status line's "12 ms" (off in snapshot tests)

    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__(id="browse-pane")
        self.database = database
        self.profile = profile
        self.source = source_for(database, profile.statement_timeout)
        self.relation: RelationInfo | None = None
        self.pager: KeysetPager | None = None
        self.fks: list[ForeignKey] = []
        self.history: list[Place] = []
        self._place: Place | None = None
        self._generation = 0
        self._busy = False
        self._spinner: Timer | None = None
        self._input_mode = "filter"
        self._cached: dict[str, Any] = {}

    def link_restored(self) -> None:
        """The workspace reconnected: the next load checks the pane's connection first."""
        self.source.check_before_next_use()

    def focus_default(self) -> None:
        """What gets the keys when the Browse tab is opened: the data grid."""
        self.query_one(DataGrid).focus()

    def compose(self) -> ComposeResult:
        yield Static("Browse", id="browse-title", markup=False)
        yield Static("", id="browse-status", markup=False)
        yield SteadyInput(id="browse-input")
        with ContentSwitcher(initial="browse-empty"):
            yield Static("Pick a table or view in the sidebar and press enter.", id="browse-empty")
            yield DataGrid()
            yield FactsView(id="browse-structure")
            yield FactsView(id="browse-stats")

    # ---- running work off the UI thread -------------------------------------------------
    def _run(self, label: str, work: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[str], None] | None = None) -> None:
        if self._busy:
            self._cancel_on_server()  # stop the previous query there, not only here
        self._generation += 1
        generation = self._generation
        self._busy = True
        if not self._status_text.endswith("(esc cancels)"):
            self._status_before = (self._status_text, self._status_error)
        running = f"{label}…  (esc cancels)"
        self._status(running)
        if self._spinner:
            self._spinner.stop()
        self._spinner = self.set_timer(0.3, lambda: self._show_loading(generation))

        def thread() -> None:
            try:
                result = work()
            except QueryError as exc:
                message = str(exc)
                if exc.connection_lost:
                    self.app.call_from_thread(self.post_message, ConnectionLost(message))
                    message += " (connection lost; the next load reconnects)"
                self.app.call_from_thread(self._failed, generation, message, failed)
            except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
                self.app.call_from_thread(self._failed, generation, f"{type(exc).__name__}: {exc}", failed)
            else:
                self.app.call_from_thread(self._done, generation, result, done)

        self.run_worker(thread, thread=True, exclusive=True, group="browse", exit_on_error=False)

    def _show_loading(self, generation: int) -> None:
        if generation == self._generation and self._busy:
            self.query_one(ContentSwitcher).loading = True

    def _settle(self) -> None:
        self._busy = False
        if self._spinner:
            self._spinner.stop()
        self.query_one(ContentSwitcher).loading = False

    def _done(self, generation: int, result: Any, done: Callable[[Any], None]) -> None:
        if generation != self._generation:
            return  # a later load replaced this one
        self._settle()
        done(result)
        if self._status_text.endswith("(esc cancels)"):
            self._status(*self._status_before)  # `done` said nothing new: back to what was shown
    def _failed(self, generation: int, message: str, failed: Callable[[str], None] | None) -> None:
        if generation != self._generation:
            return
        self._settle()
        self._status(message, error=True)
        if failed:
            failed(message)
        else:
            self.notify(message, severity="error", timeout=6)

    def _cancel_on_server(self) -> None:
        # A cancel request is a connection of its own to the server: over a slow or
        # dead link that takes a while, so never on the UI thread.
        threading.Thread(target=self.source.cancel, name="browse-cancel", daemon=True).start()

    def action_cancel(self) -> None:
        if self._busy:
            self._generation += 1
            self._cancel_on_server()
            self._settle()
            self._status("cancelled")
        elif self.query_one("#browse-input", Input).has_class("-shown"):
            self._hide_input()

    _status_text = ""
    _status_error = False
    _status_before: tuple[str, bool] = ("", False)

    def _status(self, text: str, error: bool = False) -> None:
        self._status_text, self._status_error = text, error
        status = self.query_one("#browse-status", Static)
        status.update(text)
        status.set_class(error, "-error")

    # ---- opening relations ------------------------------------------------------------
    def open_relation(self, schema: str | None, name: str, kind: str) -> None:
        """Show a relation (called when the sidebar posts RelationSelected)."""
        self.history.clear()
        self._open(Place(schema, name, kind))

    def _page_size(self) -> int:
        height = self.query_one(DataGrid).size.height or self.size.height - 3
        return max(10, height - 1) if height > 2 else 50

    def _open(self, place: Place) -> None:
        source, page_size = self.source, self._page_size()

        def work() -> tuple[RelationInfo, KeysetPager, Page, list[ForeignKey]]:
            relation = describe_relation(source, place.schema, place.name)
            pager = KeysetPager(source, relation, page_size, place.sort, place.descending,
                                place.where, place.seek)
            page = pager.starting_at(place.first_key) if place.first_key else pager.first()
            fks = foreign_keys(source, relation) if relation.kind != "view" else []
            return relation, pager, page, fks

        def done(result: tuple[RelationInfo, KeysetPager, Page, list[ForeignKey]]) -> None:
            self.relation, self.pager, page, self.fks = result
            self._place = place
            self._cached.clear()
            self.query_one(ContentSwitcher).current = "browse-grid"
            self._show(page, place.cursor[0])
            grid = self.query_one(DataGrid)
            grid.move_cursor(column=place.cursor[1], animate=False)
            grid.focus()

        self._run(f"opening {place.schema + '.' if place.schema else ''}{place.name}", work, done)

    def _show(self, page: Page, cursor_row: int = 0) -> None:
        assert self.relation is not None and self.pager is not None
        self.query_one(DataGrid).show_page(self.relation, page, cursor_row)
        title = Text(self.relation.label)
        pager = self.pager
        if pager.sort:
            title.append(f"  sorted by {pager.sort} {'↓' if pager.descending else '↑'}", style="dim")
        if pager.where:
            title.append(f"  where {pager.where}", style="dim")
        if pager.seek:
            title.append("  → " + ", ".join(f"{k} = {v}" for k, v in pager.seek.items()), style="dim")
        self.query_one("#browse-title", Static).update(title)
        edge = " (first page)" if page.at_start else " (last page)" if page.at_end else ""
        count = f"{len(page.rows)} rows{edge}"
        if page.at_start and page.at_end:
            count = f"{len(page.rows)} rows"
        timing = f"{page.elapsed * 1000:.0f} ms" if self.show_timings else ""
        self._status("  ·  ".join(part for part in (count, timing, page.note) if part))

    # ---- paging --------------------------------------------------------------------------
    def _page(self, label: str, move: Callable[[KeysetPager], Page], cursor_row: int = 0) -> None:
        pager = self.pager
        if pager is None:
            return
        self._run(label, lambda: move(pager), lambda page: self._show(page, cursor_row))

    def action_next_page(self) -> None:
        self._page("next page", KeysetPager.next)

    def action_previous_page(self) -> None:
        self._page("previous page", KeysetPager.previous, cursor_row=10**6)

    def action_first_page(self) -> None:
        self._page("first page", KeysetPager.first)

    def action_last_page(self) -> None:
        self._page("last page", KeysetPager.last, cursor_row=10**6)

    def go_to_fraction(self, fraction: float) -> None:
        """The page at `fraction` of the current order (0.75: three quarters in)."""
        self._page(f"page at {fraction:.0%}", lambda pager: pager.at_fraction(fraction))

    def on_data_table_cell_selected(self, event: DataGrid.CellSelected) -> None:
        # The grid takes `enter` itself (select_cursor) and reports it as CellSelected.
        event.stop()
        self.action_view_value()

    def on_data_grid_edge_reached(self, event: DataGrid.EdgeReached) -> None:
        page = self.pager.page if self.pager else None
        if page is None or (page.at_end if event.forward else page.at_start):
            return
        if event.forward:
            self.action_next_page()
        else:
            self.action_previous_page()

    # ---- sort and filter ------------------------------------------------------------------
    def _replace_pager(self, label: str, **changes: Any) -> None:
        """A new pager with other sort/filter settings; on error the old one stays."""
        old = self.pager
        if old is None:
            return
        settings = {"sort": old.sort, "descending": old.descending, "where": old.where, "seek": old.seek}
        settings.update(changes)
        pager = KeysetPager(old.source, old.relation, old.page_size, **settings)

        def done(page: Page) -> None:
            self.pager = pager
            self._show(page)

        def failed(message: str) -> None:
            self.notify(f"{message}\n(the previous rows are still shown)", severity="error", timeout=8)

        self._run(label, pager.first, done, failed)

    def action_sort(self) -> None:
        grid, pager = self.query_one(DataGrid), self.pager
        if pager is None or not grid.row_count and not grid.columns:
            return
        column = pager.relation.columns[grid.cursor_column].name
        if pager.sort != column:
            self._replace_pager(f"sorting by {column}", sort=column, descending=False)
        elif not pager.descending:
            self._replace_pager(f"sorting by {column} descending", sort=column, descending=True)
        else:
            self._replace_pager("unsorted", sort=None, descending=False)

    def action_ask_filter(self) -> None:
        if self.pager is not None:
            self._ask("filter", self.pager.where, "WHERE …   (a SQL expression; empty clears; enter applies)")

    def action_ask_position(self) -> None:
        if self.pager is not None:
            self._ask("position", "", "go to position in the current order, in % (e.g. 75)")

    def _ask(self, mode: str, value: str, placeholder: str) -> None:
        self._input_mode = mode
        box = self.query_one("#browse-input", Input)
        box.value, box.placeholder = value, placeholder
        box.add_class("-shown")
        box.focus()

    def _hide_input(self) -> None:
        self.query_one("#browse-input", Input).remove_class("-shown")
        self.query_one(DataGrid).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "browse-input":
            return
        event.stop()
        self._hide_input()
        if self._input_mode == "position":
            try:
                self.go_to_fraction(float(event.value.strip().rstrip("%")) / 100)
            except ValueError:
                self.notify("a number from 0 to 100, please", severity="warning")
            return
        self._replace_pager("filtering", where=event.value.strip())

    def on_unmount(self) -> None:
        # Off the UI thread: a cancel over a dead link can take seconds.
        threading.Thread(target=stop_and_close, args=(self.source,), daemon=True).start()
