"""The Browse tab's state without Textual or a database: which read is the latest,
the sort cycle, the cell under the cursor, a foreign-key jump and the way back."""

from __future__ import annotations

from typing import cast

from tui.db.reader import Source
from tui.services.browse import Column, ForeignKey, KeysetPager, Page, RelationInfo
from tui.services.browse.navigation import Cell, Navigation, Opened, Place, copied_text

ORDERS = RelationInfo("shop", "orders", "table",
                      [Column("id", "integer", "N"), Column("customer_id", "integer", "N"), Column("note", "text")],
                      key=["id"])
TO_CUSTOMERS = ForeignKey("orders_customer_fk", True, "shop", "orders", ["customer_id"],
                          "shop", "customers", ["id"])


def opened_orders(rows: list[list[str | None]], truncated: set[tuple[int, int]] | None = None) -> Navigation:
    nav = Navigation()
    pager = KeysetPager(cast(Source, None), ORDERS, 10, sort="note")
    page = Page(["id", "customer_id", "note"], rows, [(row[2], row[0]) for row in rows],
                at_start=True, at_end=True, truncated=truncated or set())
    pager.page = page
    nav.opened(Place("shop", "orders", "table"), Opened(ORDERS, pager, page, [TO_CUSTOMERS]))
    return nav


def cell_at(nav: Navigation, row: int, column: int) -> Cell:
    cell = nav.cell(row, column)
    assert cell is not None
    return cell


def test_only_the_latest_read_is_answered() -> None:
    nav = Navigation()
    first = nav.begin()
    second = nav.begin()
    assert nav.busy and not nav.answers(first)
    assert nav.answers(second) and not nav.busy
    nav.begin()
    nav.cancel()
    assert not nav.busy


def test_sort_cycles_ascending_descending_unsorted() -> None:
    nav = opened_orders([["1", "7", "a"]])
    assert nav.sort_step(0) == ("sorting by id", {"sort": "id", "descending": False})
    assert nav.sort_step(2) == ("sorting by note descending", {"sort": "note", "descending": True})
    nav.pager = nav.repaged(descending=True)
    assert nav.pager is not None and nav.pager.sort == "note" and nav.pager.descending
    assert nav.sort_step(2) == ("unsorted", {"sort": None, "descending": False})


def test_cell_stays_on_the_page_and_knows_when_the_row_was_cut() -> None:
    nav = opened_orders([["1", "7", "a"], ["2", None, "long…"]], truncated={(1, 2)})
    cell = cell_at(nav, 9, 9)
    assert (cell.row, cell.column, cell.cut) == (1, 2, True)
    assert cell.key == ("long…", "2")
    first = cell_at(nav, 0, 1)
    assert not first.cut and copied_text("cell", ORDERS, first.values, 1, "postgresql") == "7"
    assert copied_text("cell", ORDERS, cell.values, 1, "postgresql") == "NULL"
    assert Navigation().cell(0, 0) is None


def test_follow_a_foreign_key_and_come_back() -> None:
    nav = opened_orders([["1", "7", "a"], ["2", None, "b"]])
    assert nav.follow(cell_at(nav, 0, 0)) is None  # no foreign key on id
    assert nav.follow(cell_at(nav, 1, 1)) is None  # NULL
    target = nav.follow(cell_at(nav, 0, 1))
    assert target == Place("shop", "customers", "table", seek={"id": "7"})
    back = nav.back()
    assert back is not None and back.name == "orders" and back.sort == "note"
    assert back.first_key == ("a", "1") and back.cursor == (0, 1)
    assert nav.back() is None
