"""The frame the dump, restore and import dialogs share: a form, then the job
running in a worker with its progress, then what came of it. esc cancels a
running job (the child stopped, the partial file removed, the import rolled
back) and closes the dialog otherwise."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, ProgressBar, Static

from tui.formatting import bytes_text, plural
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

# A job: runs blocking in a worker with a cancel event and a progress callback; returns the summary.
Job = Callable[[threading.Event, Callable[[TransferProgress], None]], str]
PROGRESS_INTERVAL = 0.1  # seconds between two progress messages: a fast job must not flood the UI


def progress_text(step: TransferProgress) -> str:
    """'dumping public.orders · 2/3 tables · 1.2 MB written' (no clocks: snapshots stay fixed)."""
    parts = [step.phase]
    if step.unit == "tables" and (step.done or step.total):
        parts.append(f"{step.done}/{step.total} tables" if step.total else plural(step.done, "table") + " done")
    elif step.unit == "rows" and step.done:
        parts.append(plural(step.done, "row"))
    if step.bytes_total:
        parts.append(f"{bytes_text(step.bytes_done)} of {bytes_text(step.bytes_total)} read")
    elif step.bytes_done:
        parts.append(f"{bytes_text(step.bytes_done)} written")
    return " · ".join(parts)


class TransferJobDialog(Dialog[None]):
    """Base of the transfer dialogs: subclasses compose the form and build the job."""

    DEFAULT_CSS = """
    .transfer-dialog { width: 80; }
    .transfer-dialog #job-progress { height: 1; margin-top: 1; }
    .transfer-dialog #job-bar { height: 1; }
    .transfer-dialog #job-result { height: auto; margin-top: 1; }
    .transfer-dialog .-empty { display: none; }
    .transfer-dialog .form-label { width: 14; }
    """
    BINDINGS = [Binding("escape", "escape", "Cancel / close"), Binding("ctrl+s", "start", "Start")]
    TITLE_TEXT = ""
    START_KEYS = "enter/ctrl+s start · esc cancel"

    class Progressed(Message):
        """The job moved on."""

        def __init__(self, step: TransferProgress) -> None:
            super().__init__()
            self.step = step

    class Finished(Message):
        """The job is over: `summary` on success, else `error` (cancelled: `cancelled`)."""

        def __init__(self, summary: str | None, error: str | None = None, cancelled: bool = False) -> None:
            super().__init__()
            self.summary, self.error, self.cancelled = summary, error, cancelled

    def __init__(self) -> None:
        super().__init__()
        self.state = "form"  # form → running → done
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes=self.dialog_classes(), id="transfer-dialog"):
            yield Label(self.TITLE_TEXT, classes="dialog-title", markup=False)
            yield from self.compose_form()
            yield Static("", id="job-progress", markup=False)
            yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="job-bar")
            yield Static("", id="job-result", classes="-empty", markup=False)
            yield Static("", id="job-error", classes="dialog-error -empty", markup=False)
            yield Static(self.START_KEYS, id="job-keys", classes="dialog-keys")

    def dialog_classes(self) -> str:
        return "dialog transfer-dialog"

    def compose_form(self) -> ComposeResult:
        """The dialog's own fields."""
        yield from ()

    def on_mount(self) -> None:
        if self.closing:
            return
        self.query_one("#job-bar").display = False
        self.query_one("#job-progress").display = False

    def build_job(self) -> Job:
        """The job for the form as filled in; TransferError to say what is wrong."""
        raise NotImplementedError

    # -- keys ------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.input_submitted()

    def input_submitted(self) -> None:
        """enter in a field (Textual calls every class's handler, so subclasses override this)."""
        self.action_start()

    def action_start(self) -> None:
        if self.state != "form":
            return
        try:
            job = self.build_job()
        except TransferError as exc:
            self.show_error(str(exc))
            return
        self.show_error("")
        self.start(job)

    def action_escape(self) -> None:
        if self.state == "running":
            self._cancel.set()
            self.query_one("#job-keys", Static).update("cancelling…")
            return
        self.dismiss(None)

    # -- running ---------------------------------------------------------------
    def start(self, job: Job) -> None:
        """Lock the form and run `job` in a worker."""
        self.show_running()
        self._cancel = threading.Event()
        self._run_job(job, self._cancel)

    def show_running(self) -> None:
        """The form locked, the progress shown (a test's fixed steps may follow)."""
        self.state = "running"
        for widget in self.query(".form-row"):
            widget.disabled = True
        self.query_one("#job-progress").display = True
        self.query_one("#job-bar").display = True
        self.query_one("#job-keys", Static).update("esc cancel")
        self.show_progress(TransferProgress("starting"))

    @work(thread=True, group="transfer", exclusive=True, exit_on_error=False)
    def _run_job(self, job: Job, cancel: threading.Event) -> None:
        """The blocking job, its progress posted at most every PROGRESS_INTERVAL."""
        last = 0.0

        def progress(step: TransferProgress) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or step.phase == "done":
                last = now
                self.post_message(self.Progressed(step))

        try:
            summary = job(cancel, progress)
        except TransferCancelled as exc:
            self.post_message(self.Finished(None, exc.message, cancelled=True))
        except TransferError as exc:
            self.post_message(self.Finished(None, str(exc)))
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, the app keeps running
            self.post_message(self.Finished(None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.Finished(summary))

    def on_transfer_job_dialog_progressed(self, message: Progressed) -> None:
        if self.state == "running":
            self.show_progress(message.step)

    def on_transfer_job_dialog_finished(self, message: Finished) -> None:
        self.finish(message.summary, message.error, message.cancelled)

    def show_progress(self, step: TransferProgress) -> None:
        """Draw a step (the worker's, or a test's fixed one)."""
        self.query_one("#job-progress", Static).update(progress_text(step))
        bar = self.query_one("#job-bar", ProgressBar)
        fraction = step.fraction
        if fraction is None:
            bar.update(total=None)
        else:
            bar.update(total=1000, progress=round(fraction * 1000))

    def finish(self, summary: str | None, error: str | None = None, cancelled: bool = False) -> None:
        """Show how the job ended; esc closes."""
        self.state = "done"
        self.query_one("#job-bar").display = False
        result = self.query_one("#job-result", Static)
        if summary is not None:
            result.update(summary)
            result.remove_class("-empty")
        elif cancelled:
            result.update(error if error and error != "Cancelled" else "Cancelled: nothing was kept.")
            result.remove_class("-empty")
        else:
            self.show_error(error or "Failed.")
        self.query_one("#job-keys", Static).update("enter/esc close")

    def typed_name_row(self, profile_name: str) -> ComposeResult:
        """The row where a production profile's name is typed to confirm."""
        with Horizontal(classes="form-row"):
            yield Static("Type name", classes="form-label")
            yield SteadyInput(placeholder=f"{profile_name} (production: type its name)", id="job-typed-name")

    def check_typed_name(self, profile_name: str) -> None:
        """TransferError unless the production profile's name was typed."""
        if self.query_one("#job-typed-name", Input).value.strip() != profile_name:
            raise TransferError(f"Type '{profile_name}' to confirm: this is a production profile.")

    def show_error(self, text: str) -> None:
        error = self.query_one("#job-error", Static)
        error.update(text)
        error.set_class(not text, "-empty")

    def key_enter(self) -> None:
        if self.state == "done":
            self.dismiss(None)
