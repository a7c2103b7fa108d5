"""The Browse tab: a relation's data paged by key, its structure and its stats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static

from tui.db.base import Database
from tui.db.link import close_in_background, in_background
from tui.db.reader import QueryError, source_for
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.browse import (
    ForeignKey,
    KeysetPager,
    Page,
    RelationInfo,
    describe_relation,
    foreign_keys,
    full_row,
    jump_target,
    load_stats,
    load_structure,
    row_as_insert,
    row_as_json,
)
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.structure_view import FactsView, stats_renderable, structure_renderable
from tui.widgets.browse.value_viewer import ValueViewer
from tui.widgets.steady_input import SteadyInput

VIEWS = ("browse-grid", "browse-structure", "browse-stats")
# n / p / g / G: what the status line says while loading, how to move, where the cursor lands.
PAGE_MOVES: dict[str, tuple[str, Callable[[KeysetPager], Page], int]] = {
    "next": ("next page", KeysetPager.next, 0),
    "previous": ("previous page", KeysetPager.previous, 10**6),
    "first": ("first page", KeysetPager.first, 0),
    "last": ("last page", KeysetPager.last, 10**6),
}
COPIED = {"cell": "cell", "json": "row as JSON", "insert": "row as INSERT"}


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


class BrowsePane(Widget, can_focus=False):
    """One relation at a time: Data (keyset-paged grid), Structure and Stats.

    Every query runs in a thread worker on the pane's own connection; opening
    another relation cancels the previous load (on the server too).
    """

    BINDINGS = [
        # The grid's keys once more, for while Structure or Stats has the focus (the
        # grid is hidden then): the footer reads the same and paging still works.
        *DataGrid.BINDINGS,
        Binding("enter", "view_value", "View value", show=False, id="browse.view_value"),
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

    # ---- what the workers post (each carries the generation of the read it answers) -----
    @dataclass
    class RelationOpened(Message):
        """A relation was described and its first (or remembered) page read."""

        generation: int
        place: Place
        relation: RelationInfo
        pager: KeysetPager
        page: Page
        fks: list[ForeignKey]

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
        self._cached: dict[str, RenderableType] = {}
        self._status_text = ""
        self._status_error = False
        self._status_before: tuple[str, bool] = ("", False)

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

    # ---- reads off the UI thread: begin, then one named worker per kind of read ----------
    def _begin(self, label: str) -> int:
        """Start a read: the previous one is cancelled, the status says what runs.
        Returns the read's generation (results of older ones are dropped)."""
        if self._busy:
            self._cancel_on_server()  # stop the previous query there, not only here
        self._generation += 1
        generation = self._generation
        self._busy = True
        if not self._status_text.endswith("(esc cancels)"):
            self._status_before = (self._status_text, self._status_error)
        self._status(f"{label}…  (esc cancels)")
        if self._spinner:
            self._spinner.stop()
        self._spinner = self.set_timer(0.3, lambda: self._show_loading(generation))
        return generation

    def _read_failed(self, generation: int, exc: Exception, rows_kept: bool = False) -> None:
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
    def _open_in_background(self, generation: int, place: Place, page_size: int) -> None:
        source = self.source
        try:
            relation = describe_relation(source, place.schema, place.name)
            pager = KeysetPager(source, relation, page_size, place.sort, place.descending,
                                place.where, place.seek)
            page = pager.starting_at(place.first_key) if place.first_key else pager.first()
            fks = foreign_keys(source, relation) if relation.kind != "view" else []
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._read_failed(generation, exc)
        else:
            self.post_message(self.RelationOpened(generation, place, relation, pager, page, fks))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def _page_in_background(self, generation: int, pager: KeysetPager, move: Callable[[KeysetPager], Page],
                            cursor_row: int, rows_kept: bool = False) -> None:
        try:
            page = move(pager)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._read_failed(generation, exc, rows_kept)
        else:
            self.post_message(self.PageLoaded(generation, pager, page, cursor_row))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def _fetch_row_in_background(self, generation: int, relation: RelationInfo, key: tuple[Any, ...],
                                 column: int, use: str) -> None:
        try:
            values = full_row(self.source, relation, key)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._read_failed(generation, exc)
        else:
            self.post_message(self.RowFetched(generation, values, column, use))

    @work(thread=True, exclusive=True, group="browse", exit_on_error=False)
    def _view_in_background(self, generation: int, view: str, relation: RelationInfo) -> None:
        try:
            if view == "browse-structure":
                renderable = structure_renderable(load_structure(self.source, relation))
            else:
                renderable = stats_renderable(relation.label, load_stats(self.source, relation))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self._read_failed(generation, exc)
        else:
            self.post_message(self.ViewLoaded(generation, view, renderable))

    def _show_loading(self, generation: int) -> None:
        if generation == self._generation and self._busy:
            self.query_one(ContentSwitcher).loading = True

    def _settle(self) -> None:
        self._busy = False
        if self._spinner:
            self._spinner.stop()
        self.query_one(ContentSwitcher).loading = False

    def _answered(self, generation: int) -> bool:
        """True (and the loading state ended) when a result answers the latest read."""
        if generation != self._generation:
            return False  # a later load replaced this one
        self._settle()
        return True

    def _restore_status(self) -> None:
        if self._status_text.endswith("(esc cancels)"):
            self._status(*self._status_before)  # the result said nothing new: back to what was shown

    def on_browse_pane_load_failed(self, event: BrowsePane.LoadFailed) -> None:
        if not self._answered(event.generation):
            return
        self._status(event.message, error=True)
        if event.rows_kept:
            self.notify(f"{event.message}\n(the previous rows are still shown)", severity="error", timeout=8)
        else:
            self.notify(event.message, severity="error", timeout=6)

    def _cancel_on_server(self) -> None:
        # A cancel request is a connection of its own to the server: over a slow or
        # dead link that takes a while, so never on the UI thread.
        in_background(self.source.cancel, "browse-cancel")

    def action_cancel(self) -> None:
        if self._busy:
            self._generation += 1
            self._cancel_on_server()
            self._settle()
            self._status("cancelled")
        elif self.query_one("#browse-input", Input).has_class("-shown"):
            self._hide_input()

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
        page_size = self._page_size()
        generation = self._begin(f"opening {place.schema + '.' if place.schema else ''}{place.name}")
        self._open_in_background(generation, place, page_size)

    def on_browse_pane_relation_opened(self, event: BrowsePane.RelationOpened) -> None:
        if not self._answered(event.generation):
            return
        place = event.place
        self.relation, self.pager, self.fks = event.relation, event.pager, event.fks
        self._place = place
        self._cached.clear()
        self.query_one(ContentSwitcher).current = "browse-grid"
        self._show(event.page, place.cursor[0])
        grid = self.query_one(DataGrid)
        grid.move_cursor(column=place.cursor[1], animate=False)
        grid.focus()
        self._restore_status()

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
        self._page_in_background(self._begin(label), pager, move, cursor_row)

    def on_browse_pane_page_loaded(self, event: BrowsePane.PageLoaded) -> None:
        if not self._answered(event.generation):
            return
        self.pager = event.pager
        self._show(event.page, event.cursor_row)
        self._restore_status()

    def action_page(self, where: str) -> None:
        """Next, previous, first or last page (`n`, `p`, `g`, `G`)."""
        label, move, cursor_row = PAGE_MOVES[where]
        self._page(label, move, cursor_row)

    def on_data_grid_page_requested(self, event: DataGrid.PageRequested) -> None:
        event.stop()
        self.action_page(event.where)

    def go_to_fraction(self, fraction: float) -> None:
        """The page at `fraction` of the current order (0.75: three quarters in)."""
        self._page(f"page at {fraction:.0%}", lambda pager: pager.at_fraction(fraction))

    def on_data_grid_edge_reached(self, event: DataGrid.EdgeReached) -> None:
        page = self.pager.page if self.pager else None
        if page is None or (page.at_end if event.forward else page.at_start):
            return
        self.action_page("next" if event.forward else "previous")

    # ---- sort and filter ------------------------------------------------------------------
    def _replace_pager(self, label: str, **changes: Any) -> None:
        """A new pager with other sort/filter settings; on error the old one stays."""
        old = self.pager
        if old is None:
            return
        settings = {"sort": old.sort, "descending": old.descending, "where": old.where, "seek": old.seek}
        settings.update(changes)
        pager = KeysetPager(old.source, old.relation, old.page_size, **settings)
        self._page_in_background(self._begin(label), pager, KeysetPager.first, 0, rows_kept=True)

    def action_sort(self) -> None:
        """Sort by the grid's cursor column: ascending, descending, unsorted (`o`)."""
        self._sort(self.query_one(DataGrid).cursor_column)

    def on_data_grid_sort_requested(self, event: DataGrid.SortRequested) -> None:
        event.stop()
        self._sort(event.column)

    def _sort(self, column_index: int) -> None:
        grid, pager = self.query_one(DataGrid), self.pager
        if pager is None or not grid.row_count and not grid.columns:
            return
        column = pager.relation.columns[column_index].name
        if pager.sort != column:
            self._replace_pager(f"sorting by {column}", sort=column, descending=False)
        elif not pager.descending:
            self._replace_pager(f"sorting by {column} descending", sort=column, descending=True)
        else:
            self._replace_pager("unsorted", sort=None, descending=False)

    def action_ask(self, mode: str) -> None:
        """Ask for a filter (`f`) or a position in the current order (`%`)."""
        if self.pager is None:
            return
        if mode == "filter":
            self._ask("filter", self.pager.where, "WHERE …   (a SQL expression; empty clears; enter applies)")
        else:
            self._ask("position", "", "go to position in the current order, in % (e.g. 75)")

    def on_data_grid_input_asked(self, event: DataGrid.InputAsked) -> None:
        event.stop()
        self.action_ask(event.mode)

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

    # ---- the row under the cursor: view, copy, follow a foreign key and come back -------
    def _row_at(self, row: int, column: int) -> tuple[int, int] | None:
        """The grid's cell (row, column) on the page shown, or None (no rows, grid hidden)."""
        page = self.pager.page if self.pager else None
        if page is None or not page.rows or self.query_one(ContentSwitcher).current != "browse-grid":
            return None
        return min(row, len(page.rows) - 1), min(column, len(page.columns) - 1)

    def _with_row(self, label: str, row: int, column: int, use: str) -> None:
        """The row in full (cells in the grid may be cut), then `use` it."""
        position = self._row_at(row, column)
        if position is None or self.pager is None or self.pager.page is None:
            return
        row, column = position
        page, relation = self.pager.page, self.pager.relation
        if not any((row, c) in page.truncated for c in range(len(page.columns))):
            self._use_row(use, list(page.rows[row]), column)  # nothing was cut: no round trip
            return
        self._fetch_row_in_background(self._begin(label), relation, page.keys[row], column, use)

    def on_browse_pane_row_fetched(self, event: BrowsePane.RowFetched) -> None:
        if not self._answered(event.generation):
            return
        if event.values:
            self._use_row(event.use, event.values, event.column)
        else:
            self.notify("row no longer exists")
        self._restore_status()

    def _use_row(self, use: str, values: list[str | None], column: int) -> None:
        assert self.pager is not None
        relation = self.pager.relation
        if use == "view":
            col = relation.columns[column]
            self.app.push_screen(ValueViewer(col.name, col.type, values[column]))
            return
        if use == "cell":
            text = "NULL" if values[column] is None else values[column]
        elif use == "json":
            text = row_as_json(relation, values)
        else:
            text = row_as_insert(relation, values, self.source.dialect)
        self.app.copy_to_clipboard(text or "")
        self.notify(f"Copied {COPIED[use]} (OSC 52)", timeout=2)

    def action_view_value(self) -> None:
        grid = self.query_one(DataGrid)
        self._with_row("fetching value", grid.cursor_row, grid.cursor_column, "view")

    def on_data_grid_value_opened(self, event: DataGrid.ValueOpened) -> None:
        event.stop()
        self._with_row("fetching value", event.row, event.column, "view")

    def action_copy(self, what: str) -> None:
        grid = self.query_one(DataGrid)
        self._with_row("copying", grid.cursor_row, grid.cursor_column, what)

    def on_data_grid_copy_requested(self, event: DataGrid.CopyRequested) -> None:
        event.stop()
        self._with_row("copying", event.row, event.column, event.what)

    def action_follow_fk(self) -> None:
        grid = self.query_one(DataGrid)
        self._follow_fk(grid.cursor_row, grid.cursor_column)

    def on_data_grid_follow_foreign_key(self, event: DataGrid.FollowForeignKey) -> None:
        event.stop()
        self._follow_fk(event.row, event.column)

    def _follow_fk(self, row: int, column: int) -> None:
        """Open the row this cell's foreign key references; backspace returns."""
        position = self._row_at(row, column)
        if position is None or self.pager is None or self.pager.page is None or self._place is None:
            return
        row, column = position
        page, relation = self.pager.page, self.pager.relation
        found = jump_target(relation, self.fks, relation.columns[column].name, list(page.rows[row]))
        if found is None:
            self.notify("no foreign key on this column (or it is NULL)", severity="warning", timeout=3)
            return
        fk, target = found
        here = self._place
        here.sort, here.descending = self.pager.sort, self.pager.descending
        here.where, here.seek = self.pager.where, dict(self.pager.seek)
        here.first_key = page.keys[0] if relation.key_mode != "offset" else None
        here.cursor = position
        self.history.append(here)
        self._open(Place(fk.to_schema, fk.to_table, "table", seek=target))

    def action_back(self) -> None:
        if self.history:
            self._open(self.history.pop())

    # ---- Data, Structure, Stats -------------------------------------------------------------
    def action_cycle_view(self) -> None:
        if self.relation is None:
            return
        switcher = self.query_one(ContentSwitcher)
        current = switcher.current if switcher.current in VIEWS else VIEWS[-1]
        self.show_view(VIEWS[(VIEWS.index(current) + 1) % len(VIEWS)])

    def show_view(self, view: str) -> None:
        """Switch to "browse-grid", "browse-structure" or "browse-stats"."""
        switcher = self.query_one(ContentSwitcher)
        relation = self.relation
        if relation is None:
            return
        if view == "browse-grid":
            switcher.current = view
            if self.pager and self.pager.page:
                self._show(self.pager.page, self.query_one(DataGrid).cursor_row)
            self.query_one(DataGrid).focus()
        elif view in self._cached:
            self._show_facts(view, self._cached[view])
        else:
            self._view_in_background(self._begin(f"loading {view.removeprefix('browse-')}"), view, relation)

    def on_browse_pane_view_loaded(self, event: BrowsePane.ViewLoaded) -> None:
        if not self._answered(event.generation):
            return
        self._show_facts(event.view, event.renderable)
        self._restore_status()

    def _show_facts(self, view: str, renderable: RenderableType) -> None:
        assert self.relation is not None
        self._cached[view] = renderable
        self._status(f"{view.removeprefix('browse-')} of {self.relation.label}  ·  v: next view")
        self.query_one(ContentSwitcher).current = view
        facts = self.query_one(f"#{view}", FactsView)
        facts.show(renderable)
        facts.focus()

    def on_unmount(self) -> None:
        # Off the UI thread: a cancel over a dead link can take seconds.
        close_in_background(self.source, "browse-close")
