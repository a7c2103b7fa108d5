"""The picker's import dialog: paste a URL, DSN, psql line or the lines of a .env,
alembic.ini or docker-compose.yml, or name such a file, see what will be created,
then create it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Static, TextArea

from tui.widgets.dialogs.dialog import Dialog

if TYPE_CHECKING:
    from tui.profiles.imports import ImportPlan  # psycopg: loaded when a source is read


class SourceArea(TextArea):
    """Where the source is typed or pasted: a paste keeps all its lines (an Input
    would keep the first); enter belongs to the dialog, so a newline only comes in
    a paste."""

    DEFAULT_CSS = "SourceArea { height: 4; }"  # two lines: the dialog still fits 80x24

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(text, soft_wrap=True, tab_behavior="focus", **kwargs)  # type: ignore[arg-type]
        self.cursor_blink = False  # a blink is a redraw twice a second over SSH

    def on_paste(self, event: events.Paste) -> None:
        # A copied block usually ends in a newline: keep the cursor on its last line,
        # in sight in a two-line box.
        event.prevent_default()
        if not self.read_only and (result := self.replace(event.text.rstrip("\r\n"), *self.selection)):
            self.move_cursor(result.end_location)
            self.focus()


class ImportDialog(Dialog["ImportPlan"]):
    """Returns the plan to carry out (None on esc). Nothing is saved here: the
    first enter previews, a second enter on the same source accepts."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
        # priority: before the TextArea turns enter into a newline
        Binding("enter", "submit", "Preview", show=False, priority=True, id="import.submit"),
    ]

    class Previewed(Message):
        """The source was read: what an import would create."""

        def __init__(self, source: str, plan: ImportPlan) -> None:
            super().__init__()
            self.source = source
            self.plan = plan

    class Refused(Message):
        """The source cannot be imported; the message says why (never the password)."""

        def __init__(self, source: str, message: str) -> None:
            super().__init__()
            self.source = source
            self.message = message

    def __init__(self, taken: set[str], source: str = "") -> None:
        super().__init__()
        self.taken = set(taken)
        self.initial = source
        self.plan: ImportPlan | None = None
        self.plan_source: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="import-dialog"):
            yield Label("Import connections", classes="dialog-title")
            yield Static("Paste a URL, DSN, psql line or the lines of a .env, alembic.ini or docker-compose.yml, "
                         "or type a file's path:", markup=False)
            yield SourceArea(self.initial, id="import-source")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("", id="import-preview", markup=False)
            yield Static("", id="import-error", classes="dialog-error", markup=False)
            yield Static("enter preview · enter again create · esc cancel", id="import-keys",
                         classes="dialog-keys")

    def on_mount(self) -> None:
        if self.closing:
            return
        self.query_one("#import-preview").display = False
        if self.initial:
            self._read(self.initial)

    def action_submit(self) -> None:
        source = self.query_one(SourceArea).text.strip()
        if self.plan is not None and source == self.plan_source:
            self.dismiss(self.plan)
        elif source:
            self.query_one("#import-error", Static).update("Reading…")
            self._read(source)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.text.strip() != self.plan_source:
            self.plan, self.plan_source = None, None
            self.query_one("#import-keys", Static).update("enter preview · enter again create · esc cancel")

    @work(thread=True, exclusive=True, group="import-preview", exit_on_error=False)
    def _read(self, source: str) -> None:
        """Parse the source off the UI thread (a file may be on a slow disk)."""
        from tui.profiles.imports import SourceError, import_source, plan_import
        from tui.secrets import redact

        source = source.strip()
        notes: list[str] = []
        try:
            found = import_source(source, None, notes)
        except SourceError as exc:
            self.post_message(self.Refused(source, redact(str(exc))))
            return
        secrets = {item.password for item in found if item.password}
        plan = plan_import(redact(source, secrets), found, self.taken, notes)
        self.post_message(self.Previewed(source, plan))

    def on_import_dialog_previewed(self, event: ImportDialog.Previewed) -> None:
        if self.closing:
            return
        self.plan, self.plan_source = event.plan, event.source
        lines = [event.plan.heading(), *event.plan.preview_lines()]
        preview = self.query_one("#import-preview", Static)
        preview.update("\n".join(lines))
        preview.display = True
        self.query_one("#import-error", Static).update("")
        self.query_one("#import-keys", Static).update("enter create these · esc cancel · edit the source to re-read")

    def on_import_dialog_refused(self, event: ImportDialog.Refused) -> None:
        if self.closing:
            return
        self.plan, self.plan_source = None, None
        self.query_one("#import-preview").display = False
        self.query_one("#import-error", Static).update(event.message)

    def action_cancel(self) -> None:
        self.dismiss(None)
