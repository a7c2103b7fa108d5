"""The sessions table at 2,000 backends: a refresh where only the clock moved
repaints the rows in the window, not every row, and hiding most rows at once
does not renumber the table row by row."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.services.activity.sessions import Session
from tui.widgets.activity.cells import Thresholds
from tui.widgets.activity.session_table import SessionTable

BACKENDS = 2000
START = datetime(2026, 3, 2, 14, 0, 0, tzinfo=UTC)


def idle_sessions(now: datetime, count: int = BACKENDS) -> list[Session]:
    """`count` idle client sessions, idle since START, seen at `now`."""
    return [Session(pid=10000 + i, backend_start=START, datname="shop", usename="app",
                    application_name=f"pool-{i}", client_addr="10.0.4.17", client_port=40000 + i,
                    backend_type="client backend", state="idle", wait_event_type="Client",
                    wait_event="ClientRead", xact_start=None, query_start=START, state_change=START,
                    backend_xid=None, backend_xmin=None, leader_pid=None, query_id=None,
                    query="SELECT 1", blocked_by=(), wait_start=None, now=now)
            for i in range(count)]


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield SessionTable()


def shown_row(table: SessionTable, index: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(index)]


async def test_times_moving_repaint_only_the_rows_in_the_window() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(SessionTable)
        limits = Thresholds()
        table.show(idle_sessions(START + timedelta(seconds=5)), set(), set(), limits)
        await pilot.pause()
        assert "5.0s" in table.render_line(1).text  # the first row, drawn (and cached)
        repainted: list[Region] = []
        real = table._refresh_region

        def spy(region: Region) -> Any:
            repainted.append(region)
            return real(region)

        table._refresh_region = spy  # type: ignore[method-assign]
        # One second later: every row's running time and query age moved.
        table.show(idle_sessions(START + timedelta(seconds=6)), set(), set(), limits)
        await pilot.pause()
        assert len(repainted) <= 40, f"{len(repainted)} rows repainted for a 40-line window"
        assert "6.0s" in shown_row(table, 0)
        # Rows far out of view keep their cells until they are drawn (no work for them).
        assert "5.0s" in shown_row(table, BACKENDS - 1)
        drawn = table.render_line(1).text
        assert "6.0s" in drawn and "5.0s" not in drawn, drawn  # no stale render kept
        table.scroll_to(y=BACKENDS - 30, animate=False)
        await pilot.pause()
        assert "6.0s" in table.render_line(1).text  # rows drawn later are new too
        assert "6.0s" in shown_row(table, BACKENDS - 1)


async def test_hiding_most_rows_at_once_stays_quick_and_keeps_the_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(SessionTable)
        limits = Thresholds()
        now = START + timedelta(seconds=5)
        everyone = idle_sessions(now)
        table.show(everyone, set(), set(), limits)
        await pilot.pause()
        table.move_cursor(row=3)
        kept = table.current_key
        few = everyone[:10]
        started = time.perf_counter()
        table.show(few, set(), set(), limits)
        took = time.perf_counter() - started
        await pilot.pause()
        assert table.row_count == 10
        assert table.current_key == kept
        # Removing 1,990 rows one by one renumbered the table each time (seconds).
        assert took < 1.0, f"hiding 1,990 rows took {took:.2f} s"


async def test_rows_reached_with_the_keyboard_show_the_latest_times() -> None:
    app = TableApp()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(SessionTable)
        limits = Thresholds()
        table.show(idle_sessions(START + timedelta(seconds=5)), set(), set(), limits)
        await pilot.pause()
        table.focus()
        table.show(idle_sessions(START + timedelta(seconds=7)), set(), set(), limits)
        await pilot.press("ctrl+end")  # the cursor to the last row: the window jumps there
        await pilot.pause()
        bottom = table.scrollable_content_region.height  # the last line of the window
        drawn = [table.render_line(y).text for y in range(1, bottom + 1)]
        assert any(str(10000 + BACKENDS - 1) in line for line in drawn), drawn[-3:]
        assert all("5.0s" not in line for line in drawn), [line for line in drawn if "5.0s" in line][:2]
        for _ in range(5):
            await pilot.press("pageup")
        await pilot.pause()
        drawn = [table.render_line(y).text for y in range(1, bottom + 1)]
        assert all("5.0s" not in line for line in drawn)
