"""Ask for a saved query's parameter values before it runs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static

from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput


def spelled(name: str) -> str:
    """`:name`, or `$1` for a positional parameter."""
    return f"${name}" if name.isdigit() else f":{name}"


class ParamsScreen(Dialog[dict[str, str | None] | None]):
    """Returns a value per parameter (None for NULL: an empty field), or None."""

    DEFAULT_CSS = """
    #params-dialog { width: 76; }
    #params-fields { height: auto; max-height: 12; }
    #params-dialog .form-label { width: 26; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel"), Binding("ctrl+s", "run", "Run")]

    def __init__(self, title: str, types: dict[str, str], remembered: dict[str, str]) -> None:
        super().__init__()
        self.title_text, self.types, self.remembered = title, types, remembered

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="params-dialog"):
            yield Label(f"Parameters of {self.title_text}", classes="dialog-title")
            with VerticalScroll(id="params-fields"):
                for index, (name, type_name) in enumerate(self.types.items()):
                    with Horizontal(classes="form-row"):
                        yield Static(f"{spelled(name)} {type_name}"[:26], classes="form-label", markup=False)
                        yield SteadyInput(self.remembered.get(name, ""), id=f"param-{index}")
            yield Static("Sent as bound parameters, never pasted into the SQL; the server checks the type.\n"
                         "An empty field is NULL. enter next/run · ctrl+s run · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing and self.types:
            self.query_one("#param-0", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = int((event.input.id or "param-0").removeprefix("param-"))
        if index + 1 < len(self.types):
            self.query_one(f"#param-{index + 1}", Input).focus()
        else:
            self.action_run()

    def action_run(self) -> None:
        values: dict[str, str | None] = {}
        for index, name in enumerate(self.types):
            text = self.query_one(f"#param-{index}", Input).value
            values[name] = text if text != "" else None
        self.dismiss(values)

    def action_close(self) -> None:
        self.dismiss(None)
