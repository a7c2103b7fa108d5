"""The Browse tab: a relation's data paged by key, its structure and its stats."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from tui.db.base import Database
from tui.db.link import close_in_background
from tui.db.reader import source_for
from tui.profiles import Profile
from tui.services.browse import KeysetPager, Page, RelationInfo
from tui.services.browse.navigation import PAGE_MOVES, Navigation, Place, reread_page
from tui.widgets.browse.ask_input import AskInput
from tui.widgets.browse.data_grid import DataGrid
from tui.widgets.browse.edit_request import request_for
from tui.widgets.browse.edit_session import EditSession
from tui.widgets.browse.loader import RelationLoader
from tui.widgets.browse.order_filter import OrderAndFilter
from tui.widgets.browse.row_actions import RowActions
from tui.widgets.browse.selectable_table import SelectableTable
from tui.widgets.browse.status_line import ChangesBar, RelationTitle, StatusLine, page_summary
from tui.widgets.browse.structure_view import FactsView

VIEWS = ("browse-grid", "browse-structure", "browse-stats")


class BrowsePane(Widget, can_focus=False):
    """One relation at a time: Data (keyset-paged grid), Structure and Stats.

    Every query runs in a worker of the `RelationLoader` on the pane's own
    connection; opening another relation cancels the previous load (on the server
    too). What is open and the way back live in a `Navigation` (no Textual);
    staged edits in the `EditSession`, drawn over the page until ctrl+s applies them;
    sort and filter in `OrderAndFilter`, what is done with a row or a span in `RowActions`.
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
    BrowsePane #browse-changes { height: 1; padding: 0 1; display: none; background: $warning 30%; }
    BrowsePane #browse-changes.-shown { display: block; }
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
        self.nav = Navigation()
        self.loader = RelationLoader(self.source)
        self.edits = EditSession(database, profile, self.source)
        self.row_actions = RowActions(self)
        self.order_filter = OrderAndFilter(self)
        self._spinner: Timer | None = None
        self._cached: dict[str, RenderableType] = {}

    # What tests read: the state lives in `nav`, the status text in the status line.
    @property
    def relation(self) -> RelationInfo | None:
        return self.nav.relation

    @property
    def pager(self) -> KeysetPager | None:
        return self.nav.pager

    @property
    def _busy(self) -> bool:
        return self.nav.busy

    @property
    def _status_text(self) -> str:
        return self.query_one(StatusLine).text

    def link_restored(self) -> None:
        """The workspace reconnected: the next load checks the pane's connection first."""
        self.source.check_before_next_use()

    def focus_default(self) -> None:
        """What gets the keys when the Browse tab is opened: the data grid."""
        self.query_one(DataGrid).focus()

    def compose(self) -> ComposeResult:
        yield RelationTitle()
        yield StatusLine()
        yield ChangesBar()
        yield AskInput()
        with ContentSwitcher(initial="browse-empty"):
            yield Static("Pick a table or view in the sidebar and press enter.", id="browse-empty")
            yield DataGrid()
            yield FactsView(id="browse-structure")
            yield FactsView(id="browse-stats")
        yield self.loader
        yield self.edits

    # ---- reads off the UI thread: begin here, the loader's named workers post the results --
    def begin_read(self, label: str) -> int:
        """Start a read: the previous one is cancelled, the status says what runs.
        Returns the read's generation (results of older ones are dropped)."""
        if self.nav.busy:
            self.loader.cancel_on_server()  # stop the previous query there, not only here
        generation = self.nav.begin()
        self.query_one(StatusLine).waiting(label)
        if self._spinner:
            self._spinner.stop()
        self._spinner = self.set_timer(0.3, lambda: self._show_loading(generation))
        return generation

    def _show_loading(self, generation: int) -> None:
        if generation == self.nav.generation and self.nav.busy:
            self.query_one(ContentSwitcher).loading = True

    def _settle(self) -> None:
        if self._spinner:
            self._spinner.stop()
        self.query_one(ContentSwitcher).loading = False

    def answered(self, generation: int) -> bool:
        """True (and the loading state ended) when a result answers the latest read."""
        if not self.nav.answers(generation):
            return False
        self._settle()
        return True

    def on_relation_loader_load_failed(self, event: RelationLoader.LoadFailed) -> None:
        if not self.answered(event.generation):
            return
        self.query_one(StatusLine).say(event.message, error=True)
        if event.rows_kept:
            self.notify(f"{event.message}\n(the previous rows are still shown)", severity="error", timeout=8)
        else:
            self.notify(event.message, severity="error", timeout=6)

    def action_cancel(self) -> None:
        if self.edits.saving:
            self.edits.cancel_save()
        elif self.nav.busy:
            self.nav.cancel()
            self.loader.cancel_on_server()
            self._settle()
            self.query_one(StatusLine).say("cancelled")
        elif self.query_one(AskInput).shown:
            self.hide_input()

    # ---- opening relations ------------------------------------------------------------
    def open_relation(self, schema: str | None, name: str, kind: str) -> None:
        """Show a relation (called when the sidebar posts RelationSelected)."""
        self.nav.history.clear()
        self.open_place(Place(schema, name, kind))

    def _page_size(self) -> int:
        height = self.query_one(DataGrid).size.height or self.size.height - 3
        return max(10, height - 1) if height > 2 else 50

    def open_place(self, place: Place) -> None:
        page_size = self._page_size()
        generation = self.begin_read(f"opening {place.schema + '.' if place.schema else ''}{place.name}")
        self.loader.read_place(generation, place, page_size)

    def on_relation_loader_relation_opened(self, event: RelationLoader.RelationOpened) -> None:
        if not self.answered(event.generation):
            return
        place = event.place
        self.nav.opened(place, event.opened)
        self._cached.clear()
        self.query_one(ContentSwitcher).current = "browse-grid"
        self._show(event.opened.page, place.cursor[0])
        grid = self.query_one(DataGrid)
        grid.move_cursor(column=place.cursor[1], animate=False)
        grid.focus()
        self.query_one(StatusLine).restore()

    def _show(self, page: Page, cursor_row: int = 0) -> None:
        assert self.nav.relation is not None and self.nav.pager is not None
        relation = self.nav.relation
        self.query_one(DataGrid).show_page(relation, page, cursor_row, self.edits.overlay(relation, page))
        self.query_one(RelationTitle).show(self.nav.pager)
        self.query_one(StatusLine).say(page_summary(page, self.show_timings))
        self.query_one(ChangesBar).show(self.edits.bar_text(relation))

    # ---- paging --------------------------------------------------------------------------
    def _page(self, label: str, move: Callable[[KeysetPager], Page], cursor_row: int = 0) -> None:
        pager = self.nav.pager
        if pager is None:
            return
        self.loader.read_page(self.begin_read(label), pager, move, cursor_row)

    def on_relation_loader_page_loaded(self, event: RelationLoader.PageLoaded) -> None:
        if not self.answered(event.generation):
            return
        self.nav.pager = event.pager
        self._show(event.page, event.cursor_row)
        self.query_one(StatusLine).restore()

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
        page = self.nav.pager.page if self.nav.pager else None
        if page is None or (page.at_end if event.forward else page.at_start):
            return
        self.action_page("next" if event.forward else "previous")

    # ---- sort, filter, position: in OrderAndFilter ------------------------------------------
    def action_sort(self) -> None:
        """Sort by the grid's cursor column: ascending, descending, unsorted (`o`)."""
        self.order_filter.sort(self.query_one(DataGrid).cursor_column)

    def on_data_grid_sort_requested(self, event: DataGrid.SortRequested) -> None:
        event.stop()
        self.order_filter.sort(event.column)

    def action_ask(self, mode: str) -> None:
        """Ask for a filter (`f`) or a position in the current order (`%`)."""
        self.order_filter.ask(mode)

    def on_data_grid_input_asked(self, event: DataGrid.InputAsked) -> None:
        event.stop()
        self.order_filter.ask(event.mode)

    def hide_input(self) -> None:
        """Close the filter/position input; the grid gets the keys back."""
        self.query_one(AskInput).hide()
        self.query_one(DataGrid).focus()

    def on_ask_input_answered(self, event: AskInput.Answered) -> None:
        event.stop()
        self.order_filter.answered(event)

    # ---- the row under the cursor and the selection: in RowActions --------------------------
    def grid_shown(self) -> bool:
        """True when the Data view (not Structure or Stats) is shown."""
        return self.query_one(ContentSwitcher).current == "browse-grid"

    def on_relation_loader_row_fetched(self, event: RelationLoader.RowFetched) -> None:
        self.row_actions.row_fetched(event)

    def action_view_value(self) -> None:
        grid = self.query_one(DataGrid)
        self.row_actions.with_row("fetching value", grid.cursor_row, grid.cursor_column, "view")

    def on_data_grid_value_opened(self, event: DataGrid.ValueOpened) -> None:
        event.stop()
        self.row_actions.with_row("fetching value", event.row, event.column, "view")

    def action_copy(self, what: str) -> None:
        grid = self.query_one(DataGrid)
        self.row_actions.with_row("copying", grid.cursor_row, grid.cursor_column, what)

    def on_data_grid_copy_requested(self, event: DataGrid.CopyRequested) -> None:
        event.stop()
        self.row_actions.with_row("copying", event.row, event.column, event.what)

    def action_follow_fk(self) -> None:
        grid = self.query_one(DataGrid)
        self.row_actions.follow_fk(grid.cursor_row, grid.cursor_column)

    def on_data_grid_follow_foreign_key(self, event: DataGrid.FollowForeignKey) -> None:
        event.stop()
        self.row_actions.follow_fk(event.row, event.column)

    def action_back(self) -> None:
        place = self.nav.back()
        if place is not None:
            self.open_place(place)

    def on_selectable_table_copy_rows(self, event: SelectableTable.CopyRows) -> None:
        event.stop()
        self.row_actions.copy_rows(event)

    def on_relation_loader_rows_fetched(self, event: RelationLoader.RowsFetched) -> None:
        self.row_actions.rows_fetched(event)

    def on_selectable_table_row_view_requested(self, event: SelectableTable.RowViewRequested) -> None:
        event.stop()
        self.row_actions.show_row_view(event.row)

    # ---- editing: staged in the EditSession, drawn over the page -------------------------------
    def action_edit(self, action: str) -> None:
        grid = self.query_one(DataGrid)
        self._edit(action, grid.cursor_row, grid.cursor_column)

    def on_data_grid_edit_requested(self, event: DataGrid.EditRequested) -> None:
        event.stop()
        self._edit(event.action, event.row, event.column)

    def _edit(self, action: str, row: int, column: int) -> None:
        pager = self.nav.pager
        request = request_for(action, self.nav.relation, pager.page if pager else None, row, column)
        if request is not None and self.grid_shown():
            self.edits.request(request)

    def on_edit_session_changed(self, event: EditSession.Changed) -> None:
        page = self.nav.pager.page if self.nav.pager else None
        if page is not None:
            grid = self.query_one(DataGrid)
            self._show(page, grid.cursor_row if event.cursor_row is None else event.cursor_row)

    def on_edit_session_refused(self, event: EditSession.Refused) -> None:
        self.query_one(StatusLine).say(event.reason, error=True)
        self.notify(event.reason, severity="error", timeout=6)

    def on_edit_session_committed(self, event: EditSession.Committed) -> None:
        self.notify(event.summary, timeout=4)
        self._page("reloading", reread_page, self.query_one(DataGrid).cursor_row)

    # ---- Data, Structure, Stats -------------------------------------------------------------
    def action_cycle_view(self) -> None:
        if self.nav.relation is None:
            return
        switcher = self.query_one(ContentSwitcher)
        current = switcher.current if switcher.current in VIEWS else VIEWS[-1]
        self.show_view(VIEWS[(VIEWS.index(current) + 1) % len(VIEWS)])

    def show_view(self, view: str) -> None:
        """Switch to "browse-grid", "browse-structure" or "browse-stats"."""
        switcher = self.query_one(ContentSwitcher)
        relation = self.nav.relation
        if relation is None:
            return
        if view == "browse-grid":
            switcher.current = view
            if self.nav.pager and self.nav.pager.page:
                self._show(self.nav.pager.page, self.query_one(DataGrid).cursor_row)
            self.query_one(DataGrid).focus()
        elif view in self._cached:
            self._show_facts(view, self._cached[view])
        else:
            self.loader.read_view(self.begin_read(f"loading {view.removeprefix('browse-')}"), view, relation)

    def on_relation_loader_view_loaded(self, event: RelationLoader.ViewLoaded) -> None:
        if not self.answered(event.generation):
            return
        self._show_facts(event.view, event.renderable)
        self.query_one(StatusLine).restore()

    def _show_facts(self, view: str, renderable: RenderableType) -> None:
        assert self.nav.relation is not None
        self._cached[view] = renderable
        self.query_one(StatusLine).say(f"{view.removeprefix('browse-')} of {self.nav.relation.label}  ·  v: next view")
        self.query_one(ContentSwitcher).current = view
        facts = self.query_one(f"#{view}", FactsView)
        facts.show(renderable)
        facts.focus()

    def on_unmount(self) -> None:
        # Off the UI thread: a cancel over a dead link can take seconds.
        close_in_background(self.source, "browse-close")
