"""The format chooser of `Y`: how to copy the selection (or the row)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui.services.copy_formats import FORMATS
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

# A letter per format, to pick without moving (t c m j i).
FORMAT_KEYS = {"tsv": "t", "csv": "c", "markdown": "m", "json": "j", "insert": "i"}


class CopyFormatChooser(Dialog[tuple[str, str] | None]):
    """Returns (format, INSERT table name) or None. The table name is asked only
    where the grid does not know its table (query results)."""

    BINDINGS = [
        Binding("escape", "close", "Cancel", id="copy_chooser.close"),
        *[Binding(key, f"pick('{fmt}')", FORMATS[fmt], show=False, id=f"copy_chooser.{fmt}")
          for fmt, key in FORMAT_KEYS.items()],
    ]

    DEFAULT_CSS = """
    CopyFormatChooser #copy-chooser { width: 60; }
    CopyFormatChooser #copy-formats { height: auto; border: none; padding: 0; }
    """

    def __init__(self, what: str, current: str, table: str | None) -> None:
        super().__init__()
        self.what = what
        self.current = current if current in FORMATS else "tsv"
        self.table = table

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="copy-chooser"):
            yield Label(f"Copy {self.what} as", classes="dialog-title", markup=False)
            yield OptionList(*[Option(f"{FORMAT_KEYS[f]}  {label}", id=f) for f, label in FORMATS.items()],
                             id="copy-formats")
            if self.table is not None:
                with Horizontal(classes="form-row"):
                    yield Static("INSERT into", classes="form-label")
                    yield SteadyInput(self.table, id="copy-table")
            yield Static("enter or a letter copies · tab table name · esc cancel" if self.table is not None
                         else "enter or a letter copies · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = list(FORMATS).index(self.current)
        options.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Letters pick a format, except while the table name is typed.
        if action == "pick":
            return not isinstance(self.focused, Input)
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick(str(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        self.action_pick(list(FORMATS)[highlighted or 0])

    def action_pick(self, fmt: str) -> None:
        table = self.query_one("#copy-table", Input).value if self.table is not None else ""
        self.dismiss((fmt, table.strip() or "result"))

    def action_close(self) -> None:
        self.dismiss(None)
