"""The Activity pane pinned at 80x24 and 120x40 over fixed sessions.

pids, times and counters are fixed: a stand-in monitor returns the same tick,
built from the shapes real servers produce (the lock-queue chain, an advisory
wait, idle transactions), with the clock frozen at NOW."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.activity_fixed import NOW, SESSIONS
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import ContentSwitcher, Footer

import tui
from tui.db.base import ServerInfo
from tui.profiles import Profile
from tui.services.activity import ActivityMonitor, Tick
from tui.services.activity.blocking import root_blockers
from tui.services.activity.pulse import DatabaseTotals, totals_from_row
from tui.services.activity.sessions import SessionSnapshot
from tui.services.activity.views import STATEMENT_COLUMNS, ViewRows
from tui.themes import load_themes
from tui.widgets.activity import ActivityPane
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.view_table import ViewTable

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
INFO = ServerInfo(kind="postgresql", version="16.4", version_num=160004, current_user="ops",
                  database="shop", backend_pid=900, is_superuser=False, can_monitor=True)








class FixedMonitor(ActivityMonitor):
    """Returns the same tick every time, with a pulse fed from fixed counters."""

    def __init__(self) -> None:
        super().__init__(lambda: None, INFO)  # type: ignore[arg-type, return-value]
        snapshot = SessionSnapshot(SESSIONS, NOW)
        for i, (commits, hits, reads) in enumerate([(0, 0, 0), (240, 9000, 40), (600, 20000, 60),
                                                   (900, 31000, 300), (1300, 45000, 310), (1520, 52000, 320)]):
            row = {"xact_commit": 100000 + commits, "xact_rollback": 12, "blks_read": 500 + reads,
                   "blks_hit": 80000 + hits, "tup_returned": 9000 * i, "tup_fetched": 3000 * i,
                   "tup_inserted": 40 * i, "tup_updated": 25 * i, "tup_deleted": 3 * i,
                   "temp_bytes": 8 * 1024 * 1024 * i, "deadlocks": 1, "max_connections": 100,
                   "in_recovery": False, "now": NOW - timedelta(seconds=2 * (5 - i))}
            totals: DatabaseTotals = totals_from_row(row, own_xacts=3 * i)
            self.pulse.update(totals, snapshot)
        self.fixed = Tick(snapshot=snapshot, pulse=self.pulse.last, roots=root_blockers(SESSIONS),
                          banner="", seconds=0.003)

    @property
    def pid(self) -> int | None:
        return 901

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def tick(self) -> Tick:
        return self.fixed


class FixedDatabase:
    info = INFO

    def connect(self, role: Any) -> Any:
        raise RuntimeError("no actions in snapshots")

    def close(self) -> None:
        pass


class PaneApp(App[None]):
    """The pane under bastion's stylesheet and dark theme, as the workspace shows it."""

    CSS_PATH = Path(tui.__file__).resolve().parent / "bastion.tcss"

    def __init__(self, profile: Profile | None = None) -> None:
        super().__init__()
        self.pane = ActivityPane(FixedDatabase(), profile or Profile(name="shop"),  # type: ignore[arg-type]
                                 monitor=FixedMonitor(), interval=30)

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        for theme in load_themes().themes:
            self.register_theme(theme)
        self.theme = "bastion-dark"
        self.pane.query_one(SessionTable).focus()


async def settle(pilot: Any) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES)
def test_activity_sessions(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(PaneApp(), run_before=settle, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_activity_blocking_tree(snap_compare, size: tuple[int, int]) -> None:
    async def tree(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)

    assert snap_compare(PaneApp(), run_before=tree, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_activity_terminate_confirmation_production(snap_compare, size: tuple[int, int]) -> None:
    async def confirm(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("t", "k")
        await settle(pilot)

    assert snap_compare(PaneApp(Profile(name="prod", production=True)), run_before=confirm, terminal_size=size)


def statement(queryid: int, calls: int, total_ms: float, query: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict(queryid=queryid, calls=calls, rows=calls, total_ms=total_ms,
                               mean_ms=total_ms / calls, io_ms=0.0, shared_blks_hit=calls * 12,
                               shared_blks_read=calls // 50, query=query)
    row.update(extra)
    return row


STATEMENTS = [
    statement(-6601839924570130322, 88412, 912034.5, "SELECT p.id, p.sku, p.name, p.price, i.on_hand\n"
              "  FROM products p JOIN inventory i ON i.product_id = p.id\n WHERE p.category_id = $1 "
              "ORDER BY p.name LIMIT $2", io_ms=1203.4),
    statement(3917402215539221701, 1812, 913.4, "UPDATE inventory SET on_hand = on_hand - $1 WHERE product_id = $2"),
    statement(-4242424242, 240, 402.0, "INSERT INTO orders (customer_id, total) VALUES ($1, $2) RETURNING id"),
    statement(8127741100021, 12, 98.2, "SELECT customer_id, sum(total) FROM orders GROUP BY 1 ORDER BY 2 DESC"),
]


def show_fixed_statements(app: PaneApp) -> None:
    """The Statements view fed fixed rows instead of its query on the action connection."""
    pane = app.pane
    pane._load_view = lambda view: pane._show_view(view, ViewRows(STATEMENT_COLUMNS, STATEMENTS))  # type: ignore[method-assign]


@pytest.mark.parametrize("size", SIZES)
def test_activity_statements(snap_compare, size: tuple[int, int]) -> None:
    async def statements(pilot: Any) -> None:
        show_fixed_statements(pilot.app)
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)

    assert snap_compare(PaneApp(), run_before=statements, terminal_size=size)


async def test_statements_show_their_text_first() -> None:
    """The query text is what tells statements apart: at 120 columns it is on screen,
    with its calls and times, and the queryid comes last."""
    app = PaneApp()
    show_fixed_statements(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "UPDATE inventory SET on_hand = on_hand - $1" in screen
        assert "calls" in screen and "total_ms" in screen and "mean_ms" in screen
        assert list(app.pane.query_one("#statements").columns)[-1] == "queryid"


async def test_a_view_drawn_before_its_table_idles_is_not_cut() -> None:
    """A frame drawn right after a view loads (before DataTable's idle, where it used to
    measure its columns) was cached at the headers' widths and kept."""
    app = PaneApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.pane.query_one("#statements", ViewTable)
        app.pane.query_one("#activity-views", ContentSwitcher).current = "statements"
        await settle(pilot)
        table.load(ViewRows(STATEMENT_COLUMNS, STATEMENTS))
        for _ in range(2):  # before the table's idle, then after it
            strips = table.render_lines(Region(0, 0, table.size.width, 3))
            line = "".join(segment.text for strip in strips[2:] for segment in strip)
            assert line.startswith(" UPDATE inventory SET on_hand = on_hand - $1 WHE…  1812 ")
            await pilot.pause(0.1)


@pytest.mark.parametrize(("key", "view"), [("S", "statements"), ("T", "tables"), ("I", "indexes"),
                                          ("l", "locks"), ("t", "tree")])
async def test_view_keys(key: str, view: str) -> None:
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        assert app.pane.view == view
        await pilot.press("escape")
        assert app.pane.view == "sessions"


@pytest.mark.parametrize("size", SIZES)
def test_activity_session_detail(snap_compare, size: tuple[int, int]) -> None:
    from tui.services.activity.views import SessionDetail
    from tui.widgets.activity.detail import SessionDetailScreen

    waiter = SESSIONS[3]
    detail = SessionDetail(
        session=replace(waiter, query="SELECT sku, on_hand\n  FROM inventory\n WHERE product_id = $1",
                        query_id=-4242424242),
        locks=[{"locktype": "relation", "mode": "AccessShareLock", "granted": False, "relation": "inventory",
                "transactionid": None},
               {"locktype": "virtualxid", "mode": "ExclusiveLock", "granted": True, "relation": None,
                "transactionid": None}],
        statement={"queryid": -4242424242, "calls": 1812, "rows": 1812, "total_ms": 913.4, "mean_ms": 0.5,
                   "io_ms": 12.0, "shared_blks_hit": 90211, "shared_blks_read": 33, "query": "…"})

    async def show(pilot: Any) -> None:
        await settle(pilot)
        await pilot.app.push_screen(SessionDetailScreen(detail, [4103], []))
        await settle(pilot)

    assert snap_compare(PaneApp(), run_before=show, terminal_size=size)
