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
from tui.services.query.splitter import Statement
from tui.widgets.query.export_dialog import ExportScreen


class ResultExporter(Widget):
    """Shows nothing itself: asks for a format and a file, exports in a worker, and
    posts `StatusChanged` (progress, then how it ended) for the pane's status line."""

    DEFAULT_CSS = "ResultExporter { display: none; }"

    class StatusChanged(Message):
        """The status line's words for the export; `failure` goes under the results too."""

        def __init__(self, status: str, failure: str | None = None) -> None:
            super().__init__()
            self.status, self.failure = status, failure

    class Progress(Message):
        bubble = False  # told up as StatusChanged

        def __init__(self, rows: int) -> None:
            super().__init__()
            self.rows = rows

    class Done(Message):
        """The rows written to `path`, or the error (ExportCancelled when esc stopped it)."""

        bubble = False  # told up as StatusChanged

        def __init__(self, path: Path, started: float, rows: int = 0, error: Exception | None = None) -> None:
            super().__init__()
            self.path, self.started, self.rows, self.error = path, started, rows, error

    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self._cancel: threading.Event | None = None  # set while an export runs

    @property
    def exporting(self) -> bool:
        return self._cancel is not None

    def cancel(self) -> None:
        """Stop the export under way (the partial file is removed)."""
        if self._cancel is not None:
            self._cancel.set()

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
        self.post_message(self.StatusChanged(f"exporting · {message.rows:,} rows · esc cancels"))

    @on(Done)
    def _done(self, message: Done) -> None:
        self._cancel = None
        if message.error is None:
            seconds = time.perf_counter() - message.started
            self.post_message(self.StatusChanged(
                f"exported {message.rows:,} rows to {message.path} in {seconds:.1f} s"))
        elif isinstance(message.error, ExportCancelled):
            self.post_message(self.StatusChanged("export cancelled; the partial file was removed"))
        else:
            self.post_message(self.StatusChanged("export failed", f"Export failed: {message.error}"))
