"""Where the Browse tab is and where it can go, with no Textual.

The open relation and its pager, which read is the latest (results of older
reads are dropped), the row under the cursor, and the trail of foreign-key
jumps that `backspace` walks back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.db.reader import Source
from tui.services.browse.keyset import KeysetPager, Page
from tui.services.browse.relation import RelationInfo, describe_relation
from tui.services.browse.rows import jump_target, row_as_insert, row_as_json
from tui.services.browse.structure import ForeignKey, foreign_keys

# n / p / g / G: what the status line says while loading, how to move, where the cursor lands.
PAGE_MOVES: dict[str, tuple[str, Callable[[KeysetPager], Page], int]] = {
    "next": ("next page", KeysetPager.next, 0),
    "previous": ("previous page", KeysetPager.previous, 10**6),
    "first": ("first page", KeysetPager.first, 0),
    "last": ("last page", KeysetPager.last, 10**6),
}
COPIED = {"cell": "cell", "json": "row as JSON", "insert": "row as INSERT"}


def reread_page(pager: KeysetPager) -> Page:
    """The page shown, read again (after a commit): from its first row on."""
    page = pager.page
    if page is None or not page.rows or page.offset is not None or page.at_start:
        return pager.first()
    return pager.starting_at(page.keys[0])


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


@dataclass
class Opened:
    """A relation described, its first (or remembered) page read, its foreign keys."""

    relation: RelationInfo
    pager: KeysetPager
    page: Page
    fks: list[ForeignKey]


def open_place(source: Source, place: Place, page_size: int) -> Opened:
    """Describe the place's relation and read its page (blocking: call from a worker)."""
    relation = describe_relation(source, place.schema, place.name)
    pager = KeysetPager(source, relation, page_size, place.sort, place.descending, place.where, place.seek)
    page = pager.starting_at(place.first_key) if place.first_key else pager.first()
    fks = foreign_keys(source, relation) if relation.kind != "view" else []
    return Opened(relation, pager, page, fks)


def copied_text(use: str, relation: RelationInfo, values: list[str | None], column: int, dialect: str) -> str:
    """What `c`, `J` or `I` puts on the clipboard: the cell, the row as JSON or as an INSERT."""
    if use == "cell":
        return "NULL" if values[column] is None else values[column] or ""
    if use == "json":
        return row_as_json(relation, values)
    return row_as_insert(relation, values, dialect)


@dataclass
class Cell:
    """The cell under the cursor on the page shown, with its row's values and key."""

    row: int
    column: int
    values: list[str | None]
    key: tuple[Any, ...]
    cut: bool  # a cell of the row was cut: the whole row needs another read


class Navigation:
    """The Browse tab's state: what is open, which read is the latest, the way back."""

    def __init__(self) -> None:
        self.relation: RelationInfo | None = None
        self.pager: KeysetPager | None = None
        self.fks: list[ForeignKey] = []
        self.place: Place | None = None
        self.history: list[Place] = []
        self.generation = 0
        self.busy = False

    # ---- reads: each new one makes the results of the older ones stale -------------
    def begin(self) -> int:
        """A read starts; returns its generation."""
        self.generation += 1
        self.busy = True
        return self.generation

    def answers(self, generation: int) -> bool:
        """True (and the read over) when a result answers the latest read."""
        if generation != self.generation:
            return False  # a later load replaced this one
        self.busy = False
        return True

    def cancel(self) -> None:
        """Drop whatever the running read answers."""
        self.generation += 1
        self.busy = False

    def opened(self, place: Place, opened: Opened) -> None:
        self.relation, self.pager, self.fks = opened.relation, opened.pager, opened.fks
        self.place = place

    # ---- sort and filter: a new pager, the old one stays until it has read a page ----
    def repaged(self, **changes: Any) -> KeysetPager | None:
        """A new pager with other sort/filter settings (None: nothing is open)."""
        old = self.pager
        if old is None:
            return None
        settings = {"sort": old.sort, "descending": old.descending, "where": old.where, "seek": old.seek}
        settings.update(changes)
        return KeysetPager(old.source, old.relation, old.page_size, **settings)

    def sort_step(self, column_index: int) -> tuple[str, dict[str, Any]]:
        """`o` on a column: ascending, then descending, then unsorted (label, changes)."""
        assert self.pager is not None
        pager = self.pager
        column = pager.relation.columns[column_index].name
        if pager.sort != column:
            return f"sorting by {column}", {"sort": column, "descending": False}
        if not pager.descending:
            return f"sorting by {column} descending", {"sort": column, "descending": True}
        return "unsorted", {"sort": None, "descending": False}

    # ---- the row under the cursor ---------------------------------------------------
    def cell(self, row: int, column: int) -> Cell | None:
        """The cell (row, column) on the page shown, kept inside it; None: no rows."""
        page = self.pager.page if self.pager else None
        if page is None or not page.rows:
            return None
        row, column = min(row, len(page.rows) - 1), min(column, len(page.columns) - 1)
        cut = any((row, c) in page.truncated for c in range(len(page.columns)))
        return Cell(row, column, list(page.rows[row]), page.keys[row], cut)

    def follow(self, cell: Cell) -> Place | None:
        """Where the cell's foreign key leads (this place remembered for `back`);
        None: no foreign key on the column, or it is NULL."""
        assert self.pager is not None and self.pager.page is not None and self.place is not None
        pager, page, relation = self.pager, self.pager.page, self.pager.relation
        found = jump_target(relation, self.fks, relation.columns[cell.column].name, cell.values)
        if found is None:
            return None
        fk, target = found
        here = self.place
        here.sort, here.descending = pager.sort, pager.descending
        here.where, here.seek = pager.where, dict(pager.seek)
        here.first_key = page.keys[0] if relation.key_mode != "offset" else None
        here.cursor = (cell.row, cell.column)
        self.history.append(here)
        return Place(fk.to_schema, fk.to_table, "table", seek=target)

    def back(self) -> Place | None:
        """The place before the last foreign-key jump, if any."""
        return self.history.pop() if self.history else None
