"""Result grid frame cost over a million rows, and whether the last row's number
is drawn whole (the columns are sized on the first rows, widened as rows are drawn).

Synthetic rows, no database: `SELECT g, md5, now(), g * 1.5` shaped.

    .venv/bin/python bench/result_grid.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textual.app import App, ComposeResult  # noqa: E402

from tui.services.query.results import Column, ResultSet, encode_row  # noqa: E402
from tui.widgets.query.result_grid import ResultGrid  # noqa: E402

ROWS = 1_000_000


def million_rows() -> ResultSet:
    result = ResultSet([Column("g", True), Column("md5"), Column("now"), Column("x", True)])
    result.add_rows([encode_row((g, f"{g:032x}", "2026-12-01 01:00:00+00", g * 1.5)) for g in range(1, ROWS + 1)])
    result.done = True
    return result


def text_of(strip) -> str:  # type: ignore[no-untyped-def]
    return "".join(segment.text for segment in strip)


class Bench(App[None]):
    def __init__(self, result: ResultSet) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        yield ResultGrid()

    def on_mount(self) -> None:
        self.set_timer(0.2, lambda: self.run_worker(self.measure()))

    async def measure(self) -> None:
        grid = self.query_one(ResultGrid)
        grid.show(self.result)
        await asyncio.sleep(0.1)
        frames = []
        for _ in range(200):
            started = time.perf_counter()
            grid.action_page(1)
            grid.render_lines(grid.region.reset_offset)
            frames.append((time.perf_counter() - started) * 1000)
        grid.action_edge(1)
        started = time.perf_counter()
        lines = [text_of(strip) for strip in grid.render_lines(grid.region.reset_offset)]
        end_ms = (time.perf_counter() - started) * 1000
        last = next(line for line in reversed(lines) if line.strip())
        print(f"page-down frame: median {statistics.median(frames):.1f} ms, max {max(frames):.1f} ms")
        print(f"frame at the last row: {end_ms:.1f} ms")
        print(f"last row drawn: {last.strip()[:48]!r} ({'whole' if last.lstrip().startswith(str(ROWS)) else 'CUT'})")
        self.exit()


if __name__ == "__main__":
    Bench(million_rows()).run(headless=True, size=(120, 40))
