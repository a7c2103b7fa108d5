"""Where a Query run is: how many statements, which one runs and since when, told
in the pane's status line while rows stream in."""

from __future__ import annotations

import time

from textual.timer import Timer
from textual.widget import Widget

from tui.widgets.query.host import QueryHost

STATUS_INTERVAL = 0.1  # seconds between status-line updates while rows stream in


class RunProgress(Widget):
    """Shows nothing itself: counts the run's statements and ticks the pane's status
    line (rows so far, the time, or that a question waits) until `finish`."""

    DEFAULT_CSS = "RunProgress { display: none; }"

    def __init__(self, host: QueryHost) -> None:
        super().__init__()
        self.host = host
        self.running = False
        self.total, self.index = 1, 0  # statements in the run, the one running
        self.started = 0.0
        self._timer: Timer | None = None

    def begin(self, total: int) -> None:
        """A run of `total` statements starts now."""
        self.running = True
        self.total, self.index = total, 0
        self.started = time.perf_counter()
        self.host.set_status(f"running 1 of {total} …")
        self._timer = self.set_interval(STATUS_INTERVAL, self._tick)

    def statement_started(self, index: int, total: int) -> None:
        """The runner started statement `index` (of `total`)."""
        self.started = time.perf_counter()
        self.index, self.total = index, total

    def finish(self) -> None:
        """The run is over: no more ticks."""
        self.running = False
        if self._timer is not None:
            self._timer.stop()

    def _tick(self) -> None:
        if not self.running:
            return
        elapsed = time.perf_counter() - self.started
        grid = self.host.results.grid
        rows = len(grid.result) if grid.result is not None else 0
        grid.rows_changed()
        which = f" {self.index + 1} of {self.total}" if self.total > 1 else ""
        if self.host.prompt.waiting:
            self.host.set_status(f"statement{which} waiting for your answer")
            return
        seconds = f" · {elapsed:.1f} s" if self.host.timings else ""
        self.host.set_status(f"running{which} · {rows:,} rows so far{seconds} · esc cancels the run")
