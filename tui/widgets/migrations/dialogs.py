"""The Migrations pane's dialogs: revision details, action output, locating the
Alembic project, choosing a version table."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, LoadingIndicator, OptionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from tui.profiles import MigrationsConfig
from tui.services.migrations import ActionResult, ProjectNotFound, RevisionFile, locate_project, upgrade_source
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

DIALOG_CSS = """
.mig-dialog { width: 96; max-width: 95%; height: auto; max-height: 90%; }
.mig-dialog.-tall { height: 90%; }
.mig-dialog TextArea { height: 1fr; min-height: 5; }
.mig-dialog OptionList { height: auto; max-height: 12; }
.mig-dialog LoadingIndicator { height: 3; }
.mig-meta { height: auto; max-height: 8; color: $text-muted; }
.mig-error { color: $error; height: auto; }
"""


def _code_view(text: str, language: str | None) -> TextArea:
    return TextArea(text, language=language, read_only=True, show_line_numbers=True, soft_wrap=False,
                    tab_behavior="focus")


class RevisionDetails(Dialog[None]):
    """One revision: docstring, file, parents, and its upgrade() with highlighting."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, revision: RevisionFile, state: str) -> None:
        super().__init__()
        self.revision = revision
        self.state = state

    def compose(self) -> ComposeResult:
        rev = self.revision
        facts = [self.state, "revises " + (", ".join(rev.down_revisions) or "(base)")]
        if rev.branch_labels:
            facts.append("labels " + ", ".join(rev.branch_labels))
        if rev.depends_on:
            facts.append("depends on " + ", ".join(rev.depends_on))
        meta = [" · ".join(facts), str(rev.path)]
        # Alembic's template repeats id, parents and date in the docstring: keep the date only.
        doc = "\n".join(line for line in rev.doc.strip().splitlines()[1:]
                        if not line.startswith(("Revision ID:", "Revises:"))).strip()
        with Vertical(classes="dialog mig-dialog -tall", id="revision-details"):
            yield Label(f"{rev.revision}  {rev.message}", classes="dialog-title", markup=False)
            yield Static("\n".join(meta) + ("\n" + doc if doc else ""), classes="mig-meta", markup=False)
            yield _code_view(upgrade_source(rev.path), "python")
            yield Static("esc close · tab/arrows scroll the source", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)


class ActionOutput(Dialog[None]):
    """Runs one subprocess action in a worker and shows its output, scrollable."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, title: str, run: Callable[[threading.Event], ActionResult],
                 language: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.run = run
        self.language = language
        self.cancel = threading.Event()  # set on close: the subprocess is killed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog mig-dialog -tall", id="action-output"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            yield Static("running in a subprocess…", id="action-command", classes="mig-meta", markup=False)
            yield LoadingIndicator()
            yield Static("esc close", classes="dialog-keys")

    def on_mount(self) -> None:
        self.execute()

    @work(thread=True, exit_on_error=False)
    def execute(self) -> None:
        result = self.run(self.cancel)
        if not get_current_worker().is_cancelled and not self.cancel.is_set():
            self.app.call_from_thread(self.show_result, result)

    def show_result(self, result: ActionResult) -> None:
        """Replace the spinner with the output."""
        if not self.is_attached:
            return
        status = "exit 0" if result.ok else ("did not finish" if result.returncode is None
                                              else f"exit {result.returncode}")
        meta = f"$ {' '.join(result.command)}\n  in {result.cwd} · {status}"
        if result.note:
            meta += f"\n{result.note}"
        self.query_one("#action-command", Static).update(meta)
        self.query_one(LoadingIndicator).remove()
        language = self.language if result.ok else None
        view = _code_view(result.output, language)
        self.query_one("#action-output").mount(view, before=self.query_one(".dialog-keys"))
        view.focus()

    def action_close(self) -> None:
        self.cancel.set()
        self.workers.cancel_all()
        self.dismiss(None)


class LocateProject(Dialog[MigrationsConfig | None]):
    """Asks where the Alembic project is; answers with the profile's new settings."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: MigrationsConfig | None, cwd: Path | None = None) -> None:
        super().__init__()
        self.current = current or MigrationsConfig()
        self.cwd = cwd

    def compose(self) -> ComposeResult:
        value = self.current.config or self.current.script_location or ""
        with Vertical(classes="dialog mig-dialog", id="locate-project"):
            yield Label("Where is the Alembic project?", classes="dialog-title")
            yield Static("An alembic.ini, a pyproject.toml with [tool.alembic], or the script directory "
                         "(the folder with env.py). Saved in the profile.", classes="dialog-body")
            yield SteadyInput(value, placeholder="~/src/app/alembic.ini", id="locate-path")
            yield Static("", classes="mig-error", id="locate-error")
            yield Static("enter save · esc cancel", classes="dialog-keys")

    def on_input_submitted(self, event: SteadyInput.Submitted) -> None:
        raw = event.value.strip()
        error = self.query_one("#locate-error", Static)
        if not raw:
            error.update("Type a path.")
            return
        path = Path(raw).expanduser()
        try:
            if path.is_dir() and not (path / "alembic.ini").is_file() and not (path / "pyproject.toml").is_file():
                locate_project(script_location=raw, cwd=self.cwd)
                new = MigrationsConfig(config=None, script_location=raw, version_table=self.current.version_table)
            else:
                locate_project(config=raw, cwd=self.cwd)
                new = MigrationsConfig(config=raw, script_location=None, version_table=self.current.version_table)
        except ProjectNotFound as exc:
            error.update(str(exc))
            return
        self.dismiss(new)

    def action_cancel(self) -> None:
        self.dismiss(None)


class VersionTablePicker(Dialog[str | None]):
    """Lists every Alembic version table found; answers with the chosen one."""

    DEFAULT_CSS = DIALOG_CSS
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, tables: list[tuple[str, str]], selected: str | None) -> None:
        super().__init__()
        self.tables = tables  # (qualified name, what it holds)
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog mig-dialog", id="version-table-picker"):
            yield Label("Which Alembic version table goes with these scripts?", classes="dialog-title")
            if self.tables:
                options = OptionList(*[Option(f"{name}   {rows}", id=name) for name, rows in self.tables])
                yield options
            else:
                yield Static("No Alembic version table (a table whose only column is version_num) "
                             "in this database.", classes="dialog-body")
            yield Static("enter choose (saved in the profile) · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        names = [name for name, _ in self.tables]
        if self.selected in names:
            self.query_one(OptionList).highlighted = names.index(self.selected)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
