"""Back up the workspace's database: a file, a format, what to include; then
pg_dump's progress (SQLite: the backup API's)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from tui.db.base import Database
from tui.formatting import bytes_text, plural
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.dump import DUMP_FORMATS, DumpRequest, default_dump_name, dump_database
from tui.widgets.steady_input import SteadyInput
from tui.widgets.transfer.job_dialog import Job, TransferJobDialog

CONTENTS = [("everything", "all"), ("definitions only (--schema-only)", "schema"),
            ("rows only (--data-only)", "data")]


class DumpDialog(TransferJobDialog):
    """pg_dump (or an SQLite backup) of the connected database to a file, 0600."""

    def __init__(self, profile: Profile, database: Database, folder: Path | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.database = database
        self.folder = folder or Path.cwd()
        self.TITLE_TEXT = f"Back up {profile.title} ({profile.target()})"

    def compose_form(self) -> ComposeResult:
        sqlite = self.profile.is_sqlite
        with Horizontal(classes="form-row"):
            yield Static("File", classes="form-label")
            yield SteadyInput(str(self.folder / default_dump_name(self.profile, "custom")), id="dump-path")
        if not sqlite:
            with Horizontal(classes="form-row"):
                yield Static("Format", classes="form-label")
                yield Select([(f, f) for f in DUMP_FORMATS], value="custom", allow_blank=False, id="dump-format")
            with Horizontal(classes="form-row"):
                yield Static("Contents", classes="form-label")
                yield Select(CONTENTS, value="all", allow_blank=False, id="dump-contents")
            with Horizontal(classes="form-row"):
                yield Static("Schemas", classes="form-label")
                yield SteadyInput(placeholder="all (or a, b)", id="dump-schemas")
        note = ("The SQLite backup API copies the file consistently while others write." if sqlite else
                "pg_dump gets the password through a private 0600 file, never its command line.")
        yield Static(note, classes="dialog-note")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id != "dump-format":
            return
        path_input = self.query_one("#dump-path", Input)
        current = Path(path_input.value)
        if current.name.startswith(f"{self.profile.name}-"):
            stem = current.name.split(".")[0]
            suffix = {"custom": ".dump", "plain": ".sql"}.get(str(event.value), "")
            path_input.value = str(current.with_name(stem + suffix))

    def build_job(self) -> Job:
        raw = self.query_one("#dump-path", Input).value.strip()
        if not raw:
            raise TransferError("Give the file to write.")
        path = Path(raw).expanduser()
        if self.profile.is_sqlite:
            request = DumpRequest(path)
        else:
            contents = self.query_one("#dump-contents", Select).value
            schemas = tuple(s.strip() for s in self.query_one("#dump-schemas", Input).value.split(",") if s.strip())
            request = DumpRequest(path, str(self.query_one("#dump-format", Select).value), schemas=schemas,
                                  schema_only=contents == "schema", data_only=contents == "data")
        request.check()
        database, sqlite = self.database, self.profile.is_sqlite

        def job(cancel: threading.Event, progress: Callable[[TransferProgress], None]) -> str:
            result = dump_database(database, request, progress, cancel)
            tables = "" if sqlite else f"{plural(result.tables, 'table')} of data, "
            return f"Written to {result.path}: {tables}{bytes_text(result.bytes_written)} (readable by you only)."

        return job
