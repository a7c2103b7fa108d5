"""Choose a format and a file for an export."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from tui.services.query.export import FORMATS, default_export_path
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


class ExportScreen(Dialog[tuple[str, Path] | None]):
    """Returns (format, path) or None."""

    BINDINGS = [Binding("escape", "close", "Cancel"), Binding("ctrl+s", "save", "Export")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Label("Export the result (the statement runs again, streamed to the file)",
                        classes="dialog-title")
            with Horizontal(classes="form-row"):
                yield Static("Format", classes="form-label")
                yield Select([(f, f) for f in FORMATS], value="csv", allow_blank=False, id="export-format")
            with Horizontal(classes="form-row"):
                yield Static("File", classes="form-label")
                yield SteadyInput(str(default_export_path("csv")), id="export-path")
            yield Static("", id="export-error", classes="dialog-error", markup=False)
            yield Static("enter/ctrl+s export · esc cancel", classes="dialog-keys")

    def on_select_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#export-path", Input)
        current = Path(path_input.value)
        if current.name.startswith("bastion-export-"):
            path_input.value = str(default_export_path(str(event.value), current.parent))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        path = Path(self.query_one("#export-path", Input).value).expanduser()
        if not path.parent.is_dir():
            self.query_one("#export-error", Static).update(f"No such folder: {path.parent}")
            return
        self.dismiss((str(self.query_one("#export-format", Select).value), path))

    def action_close(self) -> None:
        self.dismiss(None)
