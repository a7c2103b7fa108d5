"""Save the editor's statement (or selection) as a named query."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from tui.services.saved.files import VALID_NAME, SavedQuery
from tui.services.saved.library import PROJECT_FILE
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

SCOPE_CHOICES = [("this profile's queries", "profile"), (f"the project's ./{PROJECT_FILE}", "project")]


class SaveQueryScreen(Dialog[tuple[SavedQuery, str] | None]):
    """Returns (the query, "profile" or "project"), or None."""

    DEFAULT_CSS = """
    #save-query-dialog { width: 76; }
    #save-query-sql { height: auto; max-height: 6; color: $text-muted; padding-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, sql: str, name: str = "", description: str = "") -> None:
        super().__init__()
        self.sql, self.initial_name, self.initial_description = sql, name, description

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="save-query-dialog"):
            yield Label("Save the query", classes="dialog-title")
            preview = "\n".join(self.sql.strip().splitlines()[:5])
            yield Static(preview, id="save-query-sql", markup=False)
            with Horizontal(classes="form-row"):
                yield Static("Name", classes="form-label")
                yield SteadyInput(self.initial_name, placeholder="e.g. latest_posts", id="save-query-name")
            with Horizontal(classes="form-row"):
                yield Static("Description", classes="form-label")
                yield SteadyInput(self.initial_description, placeholder="what it answers, in a line",
                                  id="save-query-description")
            with Horizontal(classes="form-row"):
                yield Static("Save in", classes="form-label")
                yield Select(SCOPE_CHOICES, value="profile", allow_blank=False, id="save-query-scope")
            yield Static("", id="save-query-error", classes="dialog-error", markup=False)
            yield Static(":name and $1 in the text become parameters, asked for at each run.\n"
                         "enter/ctrl+s save · tab next field · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self.query_one("#save-query-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#save-query-name", Input).value.strip()
        if not VALID_NAME.match(name):
            self.query_one("#save-query-error", Static).update(
                "A name is letters, digits, '_', '.' or '-' (no spaces), at most 100.")
            return
        description = " ".join(self.query_one("#save-query-description", Input).value.split())
        scope = str(self.query_one("#save-query-scope", Select).value)
        self.dismiss((SavedQuery(name, self.sql.strip().rstrip(";").rstrip(), description=description), scope))

    def action_close(self) -> None:
        self.dismiss(None)
