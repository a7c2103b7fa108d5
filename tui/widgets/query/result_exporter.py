"""Export (f8): the statement behind the shown result runs again, streamed to a file."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from textual import on, work
from textual.message import Message
from textual.widget import Widget

from tui.db.base import Database
from tui.services.query.export import ExportCancelled, export
from tui.services.query.runner import Outcome
from tui.services.query.splitter import Statement
from tui.widgets.query.export_dialog import ExportScreen
from tui.widgets.query.host import QueryHost


class ResultExporter(Widget):
    """Shows nothing itself: asks for a format and a file, exports in a worker, and
    tells the pane's status line its progress, then how it ended."""

    DEFAULT_CSS = "ResultExporter { display: none; }"

    class Progress(Message):
        bubble = False  # handled here

        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    class Done(Message):
        """The rows written to `path`, or the error (ExportCancelled when esc stopped it)."""

        bubble = False  # handled here

        def __init__(self, path: Path, started: float, rows: int = 0, error: Exception | None = None) -> None:
            super().__init__()
            self.path, self.started, self.rows, self.error = path, started, rows, error

    def __init__(self, database: Database, host: QueryHost) -> None:
        super().__init__()
        self.database, self.host = database, host
        self._cancel: threading.Event | None = None  # set while an export runs

    @property
    def exporting(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> None:
        """Stop the export under way (the partial file is removed)."""
        if self._cancel is not None:
            self._cancel.set()

    def export_shown(self, outcomes: list[Outcome]) -> None:
        """f8: export the statement behind the result the grid shows."""
        shown = self.host.results.grid.result
        outcome = next((o for o in outcomes if o.result is not None and o.result is shown), None)
        if outcome is None:
            self.app.notify("Run a statement that returns rows first.", severity="warning")
            return
        self.start(outcome.statement)

    def _status(self, status: str, failure: str | None = None) -> None:
        self.host.set_status(status)
        if failure:
            self.host.show_message(failure, "bold red")  # under the results too

    def start(self, statement: Statement) -> None:
        """Ask for a format and a file, then export what `statement` returns."""
        def chosen(choice: tuple[str, Path] | None) -> None:
            if choice:
                self._cancel = threading.Event()
                self._export(statement, *choice, self._cancel)

        self.app.push_screen(ExportScreen(), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, statement: Statement, fmt: str, path: Path, cancel: threading.Event) -> None:
        started = time.perf_counter()
        try:
            rows = export(self.database, statement, fmt, path,
                          lambda rows: self.post_message(self.Progress(rows)), cancel)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps running
            self.post_message(self.Done(path, started, error=exc))
        else:
            self.post_message(self.Done(path, started, rows=rows))

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        self._status(f"exporting · {message.rows:,} rows · esc cancels")

    @on(Done)
    def _done(self, message: Done) -> None:
        self._cancel = None
        if message.error is None:
            seconds = time.perf_counter() - message.started
            self._status(f"exported {message.rows:,} rows to {message.path} in {seconds:.1f} s")
        elif isinstance(message.error, ExportCancelled):
            self._status("export cancelled; the partial file was removed")
        else:
            self._status("export failed", f"Export failed: {message.error}")
