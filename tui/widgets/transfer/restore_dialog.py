"""Restore a dump into the workspace's database: refused on read-only profiles,
the profile's name typed on production; then pg_restore's (or psql's) progress."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Checkbox, Input, Static

from tui.db.base import Database
from tui.formatting import plural
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.restore import restore_database, restore_refusal
from tui.widgets.steady_input import SteadyInput
from tui.widgets.transfer.job_dialog import Job, TransferJobDialog


class RestoreDialog(TransferJobDialog):
    """pg_restore / psql of a dump file into the connected database (SQLite: a verified copy replaces the file)."""

    def __init__(self, profile: Profile, database: Database, path: Path | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.database = database
        self.path = path
        self.refusal = restore_refusal(profile, database)
        where = "PRODUCTION " if profile.production else ""
        self.TITLE_TEXT = f"Restore a dump into {where}{profile.title} ({profile.target()})"

    def dialog_classes(self) -> str:
        return "dialog transfer-dialog -danger" if self.profile.production else "dialog transfer-dialog"

    def compose_form(self) -> ComposeResult:
        if self.refusal:
            return
        with Horizontal(classes="form-row"):
            yield Static("Dump file", classes="form-label")
            yield SteadyInput(str(self.path or ""), placeholder="a .dump, .sql or dump folder", id="restore-path")
        if not self.profile.is_sqlite:
            with Horizontal(classes="form-row"):
                yield Static("Clean first", classes="form-label")
                yield Checkbox("drop the dump's objects before recreating them", id="restore-clean")
            with Horizontal(classes="form-row"):
                yield Static("Jobs", classes="form-label")
                yield SteadyInput("1", id="restore-jobs")
        if self.profile.production:
            yield from self.typed_name_row(self.profile.name)
        note = ("The file is replaced only after the copy passed PRAGMA integrity_check." if self.profile.is_sqlite
                else "One job: one transaction, all or nothing. More jobs (archives): faster, partial on error.")
        yield Static(note, classes="dialog-note")

    def on_mount(self) -> None:
        super().on_mount()
        if self.refusal and not self.closing:
            self.finish(None, self.refusal)

    def build_job(self) -> Job:
        raw = self.query_one("#restore-path", Input).value.strip()
        if not raw:
            raise TransferError("Give the dump file to restore.")
        path = Path(raw).expanduser()
        if not path.exists():
            raise TransferError(f"{path} does not exist.")
        clean, jobs = False, 1
        if not self.profile.is_sqlite:
            clean = self.query_one("#restore-clean", Checkbox).value
            try:
                jobs = int(self.query_one("#restore-jobs", Input).value or "1")
            except ValueError:
                raise TransferError("Jobs: a whole number, 1 or more.") from None
        if self.profile.production:
            self.check_typed_name(self.profile.name)
        database, profile = self.database, self.profile

        def job(cancel: threading.Event, progress: Callable[[TransferProgress], None]) -> str:
            result = restore_database(database, profile, path, progress, cancel, clean=clean, jobs=jobs)
            said = " ".join([f"Restored {result.path} ({plural(result.tables, 'table')}).", *result.notes])
            if profile.is_sqlite:  # a connection opened before the rename still reads the old file
                said += " The Query editor's open session still sees the old file: reopen the profile (ctrl+o)."
            return said

        return job
