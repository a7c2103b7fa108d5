"""Import a CSV/TSV file into the selected table: options, a preview of the first
rows mapped to the table's columns (skip or reorder them in Columns), then COPY
in one transaction with progress and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select, Static

from tui.db.base import Database
from tui.formatting import clip, plural
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.csv_import import import_csv, import_refusal, table_columns
from tui.services.transfer.csv_plan import SKIP, CsvOptions, CsvPlan, plan_import
from tui.widgets.steady_input import SteadyInput
from tui.widgets.transfer.job_dialog import Job, TransferJobDialog

HEADER_CHOICES = [("detect", "detect"), ("yes", "yes"), ("no", "no")]
PREVIEW_CELL = 14  # characters per preview column


def preview_table(plan: CsvPlan, width: int) -> str:
    """The first rows as they land in the table's columns, as fixed-width text."""
    columns = plan.chosen
    rows = plan.mapped_preview()
    cell = max(6, min(PREVIEW_CELL, (width - len(columns)) // max(1, len(columns))))
    lines = [" ".join(clip(name, cell).ljust(cell) for name in columns)]
    for row in rows:
        shown = [clip(value.replace("\r", "").replace("\n", "⏎"), cell).ljust(cell) for value in row]
        lines.append(" ".join(shown))
    skipped = [name for name, target in zip(plan.file_columns, plan.targets, strict=True) if target is None]
    notes = list(plan.notes) + ([f"skipped: {', '.join(skipped)}"] if skipped else [])
    return "\n".join(line[:width].rstrip() for line in lines) + ("\n" + "; ".join(notes) if notes else "")


class ImportDialog(TransferJobDialog):
    """A CSV file into one table: enter previews, enter again imports."""

    START_KEYS = "enter preview, again to import · ctrl+s import · esc cancel"

    class Previewed(Message):
        """The file's plan (or why there is none), for the preview."""

        def __init__(self, plan: CsvPlan | None, error: str | None) -> None:
            super().__init__()
            self.plan, self.error = plan, error

    def __init__(self, profile: Profile, database: Database, schema: str, table: str,
                 path: Path | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.database = database
        self.schema, self.table = schema, table
        self.path = path
        self.refusal = import_refusal(profile, database)
        self.plan: CsvPlan | None = None
        self._planned_for: tuple[object, ...] | None = None
        where = "PRODUCTION " if profile.production else ""
        shown = table if profile.is_sqlite else f"{schema}.{table}"
        self.TITLE_TEXT = f"Import a CSV file into {shown} ({where}{profile.title})"

    def dialog_classes(self) -> str:
        return "dialog transfer-dialog -danger" if self.profile.production else "dialog transfer-dialog"

    def compose_form(self) -> ComposeResult:
        if self.refusal:
            return
        rows = [("File", SteadyInput(str(self.path or ""), placeholder="a .csv or .tsv file", id="import-path")),
                ("Delimiter", SteadyInput(placeholder="detect (or , ; | \\t)", id="import-delimiter")),
                ("Quote", SteadyInput('"', placeholder='" (one character)', id="import-quote")),
                ("Header row", Select(HEADER_CHOICES, value="detect", allow_blank=False, id="import-header")),
                ("NULL text", SteadyInput(placeholder="an unquoted empty field", id="import-null")),
                ("Encoding", SteadyInput("utf-8", id="import-encoding")),
                ("Columns", SteadyInput(placeholder=f"by header or position (a,b,… ; {SKIP} skips one)",
                                        id="import-columns"))]
        for label, widget in rows:
            with Horizontal(classes="form-row"):
                yield Static(label, classes="form-label")
                yield widget
        if self.profile.production:
            yield from self.typed_name_row(self.profile.name)
        yield Static("", id="import-preview", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        if self.closing:
            return
        if self.refusal:
            self.finish(None, self.refusal)
        elif self.path is not None:
            self.preview()

    def options(self) -> CsvOptions:
        """The form as CsvOptions; TransferError for a quote that is not one character."""
        def value(widget_id: str) -> str:
            return self.query_one(widget_id, Input).value

        delimiter = value("#import-delimiter")
        quote = value("#import-quote") or '"'
        if len(quote) != 1:
            raise TransferError(f"Quote: one character, not {quote!r}.")
        header = self.query_one("#import-header", Select).value
        columns = value("#import-columns").strip()
        return CsvOptions(delimiter={"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter) or None, quote=quote,
                          null=value("#import-null"), encoding=value("#import-encoding").strip() or "utf-8",
                          header=None if header == "detect" else header == "yes",
                          columns=tuple(columns.split(",")) if columns else None)

    def _form_key(self) -> tuple[object, ...]:
        """The form as typed: a preview is for this, and stale once it changes."""
        fields = ("#import-path", "#import-delimiter", "#import-quote", "#import-null", "#import-encoding",
                  "#import-columns")
        header = self.query_one("#import-header", Select).value
        return (*(self.query_one(field, Input).value for field in fields), header)

    def path_given(self) -> Path:
        raw = self.query_one("#import-path", Input).value.strip()
        if not raw:
            raise TransferError("Give the CSV file to import.")
        return Path(raw).expanduser()

    # -- preview ---------------------------------------------------------------
    def preview(self) -> None:
        """Read the file's start (in a worker) and show how it maps to the table."""
        try:
            path, options = self.path_given(), self.options()
        except TransferError as exc:
            self.show_error(str(exc))
            return
        self._planned_for = self._form_key()
        self._plan(path, options)

    @work(thread=True, group="import-preview", exclusive=True, exit_on_error=False)
    def _plan(self, path: Path, options: CsvOptions) -> None:
        try:
            plan = plan_import(path, table_columns(self.database, self.schema, self.table), options)
        except TransferError as exc:
            self.post_message(self.Previewed(None, str(exc)))
        except Exception as exc:  # noqa: BLE001 - a catalog read that failed: said in the dialog
            self.post_message(self.Previewed(None, f"{type(exc).__name__}: {exc}"))
        else:
            self.post_message(self.Previewed(plan, None))

    def on_import_dialog_previewed(self, message: Previewed) -> None:
        if self.state != "form":
            return
        self.plan = message.plan
        self.show_error(message.error or "")
        preview = self.query_one("#import-preview", Static)
        preview.update(preview_table(message.plan, max(40, preview.size.width or 76)) if message.plan else "")

    def input_submitted(self) -> None:
        if self.state == "form" and (self.plan is None or self._planned_for != self._form_key()):
            self.preview()
        else:
            self.action_start()

    # -- the import --------------------------------------------------------------
    def build_job(self) -> Job:
        path, options = self.path_given(), self.options()
        if self.profile.production:
            self.check_typed_name(self.profile.name)
        database, profile, schema, table = self.database, self.profile, self.schema, self.table

        def job(cancel: threading.Event, progress: Callable[[TransferProgress], None]) -> str:
            plan = plan_import(path, table_columns(database, schema, table), options)
            result = import_csv(database, profile, schema, table, plan, progress, cancel)
            return f"Imported {plural(result.rows, 'row')} into {result.table} (one transaction, committed)."

        return job
