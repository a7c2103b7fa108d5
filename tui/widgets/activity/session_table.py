"""The sessions table: rows keyed by (pid, backend_start), updated cell by cell."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Region
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey, RowKey

from tui.services.activity.sessions import Session
from tui.widgets.activity.cells import (
    SESSION_COLUMNS,
    Thresholds,
    fixed_cells,
    fixed_key,
    timed_cells,
    timed_values,
)
from tui.widgets.activity.plain_rows import PlainRowsTable

MANY_GONE = 32  # rows gone in one refresh past which the table is rebuilt


class SessionTable(PlainRowsTable):
    """Only changed cells are written, and the cursor stays on its session
    across refreshes, so a slow SSH link carries little and nothing jumps."""

    DEFAULT_CSS = """
    SessionTable { height: 1fr; }
    """

    class DetailRequested(Message):
        """Enter on a row: the pane opens this session's detail."""

        def __init__(self, session: Session | None) -> None:
            super().__init__()
            self.session = session

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.sessions: dict[str, Session] = {}
        self._cells: dict[str, dict[str, Text | str]] = {}
        # Per row, what its cells were built from (fixed_key, timed_values).
        self._keys: dict[str, tuple[tuple[object, ...], tuple[str, ...]]] = {}
        self._order: list[str] = []
        # Rows whose cells were left as they were because they were out of view.
        self._behind: set[str] = set()
        self._looks: tuple[set[str], set[int], Thresholds] = (set(), set(), Thresholds())

    def on_mount(self) -> None:
        for key, label, width in SESSION_COLUMNS:
            self.add_column(label, key=key, width=width)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # DataTable takes enter itself; its RowSelected is our "open the detail".
        event.stop()
        self.post_message(self.DetailRequested(self.current))

    @property
    def current(self) -> Session | None:
        """The session under the cursor."""
        key = self.current_key
        return self.sessions.get(key) if key else None

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return row_key.value

    def show(self, sessions: list[Session], marked: set[str], roots: set[int], limits: Thresholds) -> None:
        """Make the table show `sessions` in this order.

        Only the rows in the window (and new ones) get their cells rebuilt: at 2,000
        idle sessions every running time moves each second, and working out cells
        nobody sees was most of a refresh. The others are brought up to date when
        they scroll into view (`watch_scroll_y`, a resize)."""
        keep = self.current_key
        wanted = {s.key_text: s for s in sessions}
        gone = [k for k in self._cells if k not in wanted]
        self._remove_rows(gone)
        self._looks = (marked, roots, limits)
        self.sessions = wanted
        order = list(wanted)
        window = self._window(order)
        stale: set[tuple[str, str]] = set()  # (row, column) of the cells written
        new = [key for key in wanted if key not in self._cells]
        for key in new:
            session = wanted[key]
            fixed = fixed_key(session, key in marked, session.pid in roots)
            timed = timed_values(session, limits)
            cells = {**fixed_cells(session, key in marked, session.pid in roots), **timed_cells(timed)}
            self.add_row(*(cells[c] for c, _, _ in SESSION_COLUMNS), key=key)
            self._cells[key] = cells
            self._keys[key] = (fixed, timed)
        # Rows out of view are rebuilt when drawn; set operations, not 2,000 adds a refresh.
        self._behind |= wanted.keys() - window
        self._behind.difference_update(new)
        fresh = set(new)
        changed = [key for key in window if key in wanted and key not in fresh
                   and self._bring_up_to_date(key, wanted[key], stale)]
        added = bool(new)
        if order != self._order:
            rank = {key: i for i, key in enumerate(order)}
            self._order = order
            self._apply_order(rank)
        elif changed:
            self._redraw_rows(changed, stale, everything=added or bool(gone))
        if keep in wanted:
            self.move_cursor(row=self.get_row_index(RowKey(keep)), animate=False)

    def _window(self, order: list[str]) -> set[str]:
        """The keys of the rows drawn now (row i is line i: one line per row), and one
        more: a row scrolled into view later is caught up before it is drawn."""
        height = max(1, self.scrollable_content_region.height)
        top = max(0, int(self.scroll_offset.y))
        return set(order[top:top + height + 1])

    def _bring_up_to_date(self, key: str, session: Session, stale: set[tuple[str, str]]) -> bool:
        """Rebuild the cells of one row whose inputs changed; True if any did."""
        marked, roots, limits = self._looks
        self._behind.discard(key)
        fixed = fixed_key(session, key in marked, session.pid in roots)
        timed = timed_values(session, limits)
        was_fixed, was_timed = self._keys[key]
        if (fixed, timed) == (was_fixed, was_timed):
            return False
        # Most rows of a refresh change only their times: rebuild only those cells.
        updates: dict[str, Text | str] = {}
        if fixed != was_fixed:
            updates.update(fixed_cells(session, key in marked, session.pid in roots))
        if timed != was_timed:
            updates.update(timed_cells(timed, was_timed))
        old = self._cells[key]
        row = self._data[RowKey(key)]
        for column, value in updates.items():
            # Text equality ignores the style: a state turning bold yellow is a change.
            if old[column] != value or getattr(old[column], "style", None) != getattr(value, "style", None):
                row[ColumnKey(column)] = value
                stale.add((key, column))
        self._cells[key] = {**old, **updates}
        self._keys[key] = (fixed, timed)
        return True

    def _catch_up(self) -> None:
        """Rows that scrolled into view since the last refresh get their cells now,
        before they are drawn."""
        if not self._behind:
            return
        stale: set[tuple[str, str]] = set()
        changed = [key for key in self._window(self._order) & self._behind
                   if key in self.sessions and self._bring_up_to_date(key, self.sessions[key], stale)]
        if changed:
            if not self._forget_cells(stale):
                self._update_count += 1
            self.refresh()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        self._catch_up()
        super().watch_scroll_y(old_value, new_value)

    def on_resize(self) -> None:
        self._catch_up()

    def _remove_rows(self, keys: list[str]) -> None:
        # DataTable.remove_row renumbers every row: past a few, emptying the table and
        # adding the rest back is far cheaper (hiding 2,000 idle sessions at once).
        if len(keys) > MANY_GONE:
            self.clear()
            self._cells.clear()
            self._keys.clear()
            self._behind.clear()
            self._order = []
            return
        for key in keys:
            self.remove_row(key)
            del self._cells[key]
            del self._keys[key]
            self._behind.discard(key)

    def _redraw_rows(self, keys: list[str], stale: set[tuple[str, str]], everything: bool) -> None:
        # DataTable.update_cell repaints the whole table; over a slow link only the
        # rows whose cells changed are worth sending (the header and the rest stay).
        if everything or not self._forget_cells(stale):
            self._update_count += 1  # invalidates every rendered cell of DataTable's caches
        if everything:
            self.refresh()
            return
        # Only rows in the window are drawn. Every row is one line high, so a row's
        # place is its index (DataTable.refresh_row would add up all rows above it).
        top = self.scroll_offset.y
        bottom = top + self.scrollable_content_region.height
        width = self.virtual_size.width
        for key in keys:
            index = self.get_row_index(RowKey(key))
            if top <= index < bottom:
                self._refresh_region(Region(0, index + (self.header_height if self.show_header else 0), width, 1))

    def _forget_cells(self, stale: set[tuple[str, str]]) -> bool:
        """Drop only the written cells' renders from DataTable's caches (Textual 8's
        key layouts), so a refresh where times moved renders 2 cells a row, not 13.
        False when the caches do not look as expected: the caller drops them all."""
        # The caches hold only what was drawn (a window or so): walk them, not `stale`,
        # comparing plain strings (RowKey hashes in Python).
        try:
            rows = {row for row, _ in stale}
            for key in [k for k in self._cell_render_cache.keys() if (k[0].value, k[1].value) in stale]:
                self._cell_render_cache.discard(key)
            for key in [k for k in self._row_render_cache.keys() if k[0].value in rows]:
                self._row_render_cache.discard(key)
            row_at = self._row_locations.get_key
            for key in [k for k in self._row_renderable_cache.keys() if getattr(row_at(k[1]), "value", None) in rows]:
                self._row_renderable_cache.discard(key)
            self._line_cache.clear()
        except (AttributeError, IndexError, TypeError):
            return False
        return True

    def _apply_order(self, rank: dict[str, int]) -> None:
        # DataTable.sort() only sees cell values; our order is by key, so set the
        # row locations the way sort() does, from the key's rank.
        from textual._two_way_dict import TwoWayDict

        self._row_locations = TwoWayDict({RowKey(k): rank[k] for k in rank})
        self._update_count += 1
        self.refresh()
