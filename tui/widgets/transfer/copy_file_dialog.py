"""The file a `COPY … FROM STDIN` typed in the editor reads, or a `COPY … TO STDOUT`
writes; and asking for it from the statement runner's worker."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static
from textual.worker import get_current_worker

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


class CopyFileDialog(Dialog[Path | None]):
    """Returns the chosen path (FROM: an existing file; TO: a new one), or None."""

    BINDINGS = [Binding("escape", "close", "Cancel")]

    def __init__(self, direction: str) -> None:
        super().__init__()
        self.direction = direction

    def compose(self) -> ComposeResult:
        reading = self.direction == "from"
        title = "COPY … FROM STDIN: which file holds the rows?" if reading else \
            "COPY … TO STDOUT: which file should the rows go to?"
        with Vertical(classes="dialog", id="copy-file-dialog"):
            yield Label(title, classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Static("File", classes="form-label")
                yield SteadyInput(placeholder="a path" if reading else "a new file (created 0600)", id="copy-path")
            yield Static("The statement's own options (FORMAT csv, HEADER …) say how the file is read or written."
                         if reading else "Written readable by you only; removed again if the COPY fails.",
                         classes="dialog-note")
            yield Static("", id="copy-error", classes="dialog-error", markup=False)
            yield Static("enter run · esc do not run", classes="dialog-keys")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        raw = event.value.strip()
        path = Path(raw).expanduser() if raw else None
        error = ""
        if path is None:
            error = "Give a file."
        elif self.direction == "from" and not path.is_file():
            error = f"{path} is not a file."
        elif self.direction == "to" and path.exists():
            error = f"{path} exists: choose a new name."
        elif self.direction == "to" and not path.parent.is_dir():
            error = f"No such folder: {path.parent}"
        if error:
            self.query_one("#copy-error", Static).update(error)
            return
        self.dismiss(path)

    def action_close(self) -> None:
        self.dismiss(None)


def ask_copy_file(app: App[object], direction: str) -> Path | None:
    """From a worker thread: show the dialog and wait for the answer (None if the
    user declines, or the worker is cancelled or the app goes)."""
    answered = threading.Event()
    answers: list[Path | None] = []

    def reply(path: Path | None) -> None:
        answers.append(path)
        answered.set()

    app.call_from_thread(app.push_screen, CopyFileDialog(direction), reply)
    worker = get_current_worker()
    while not answered.wait(0.1):
        if worker.is_cancelled or not app.is_running:
            return None
    return answers[0]
