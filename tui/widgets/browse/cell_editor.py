"""The dialog `e` opens on a cell: a new value, NULL or DEFAULT, staged until ctrl+s."""

from __future__ import annotations

import json
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static, TextArea

from tui.services.browse.editable import EditColumn
from tui.services.browse.edits import DEFAULT, CellValue, Default
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

# Longer values (and any with a line break) open in the multi-line editor.
LONG_VALUE = 60


@dataclass(frozen=True)
class EditedValue:
    """What the user chose: text for the server to parse, None (NULL) or DEFAULT."""

    value: CellValue


def uses_text_area(column: EditColumn, value: CellValue) -> bool:
    """JSON, long or multi-line values get the multi-line editor."""
    text = value if isinstance(value, str) else ""
    return column.is_json or len(text) > LONG_VALUE or "\n" in text


def json_problem(text: str) -> str:
    """"" when `text` is valid JSON, else where it is not."""
    try:
        json.loads(text)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    return ""


class CellEditor(Dialog[EditedValue | None]):
    """One cell's new value. enter (ctrl+s in the multi-line editor) stages it;
    ctrl+n stages NULL and ctrl+d the column's DEFAULT, distinct from ''."""

    DEFAULT_CSS = """
    CellEditor #cell-editor { width: 80; }
    CellEditor #cell-text { height: auto; max-height: 20; min-height: 5; }
    CellEditor #cell-choices { height: auto; max-height: 10; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cell_editor.cancel"),
        Binding("ctrl+s", "save", "Stage", priority=True, id="cell_editor.save"),
        Binding("ctrl+n", "null", "NULL", priority=True, id="cell_editor.null"),
        Binding("ctrl+d", "default", "DEFAULT", priority=True, id="cell_editor.default"),
    ]

    def __init__(self, label: str, column: EditColumn, value: CellValue) -> None:
        super().__init__()
        self.label = label
        self.column = column
        self.value = value
        self.multi_line = uses_text_area(column, value)

    def compose(self) -> ComposeResult:
        now = "NULL" if self.value is None else "DEFAULT" if isinstance(self.value, Default) else None
        text = self.value if isinstance(self.value, str) else ""
        if self.column.is_json and text:
            try:  # pretty-printed to edit; jsonb stores it compact anyway
                text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            except ValueError:
                pass
        with Vertical(classes="dialog", id="cell-editor"):
            yield Static(f"{self.label}  ({self.column.type})", classes="dialog-title", markup=False)
            if now:
                yield Static(f"now {now}", classes="dialog-note", markup=False)
            if self.column.choices:
                yield OptionList(*self.column.choices, id="cell-choices")
            if self.multi_line:
                # No tree-sitter language: its grammars crash with some wheel combinations (see value_viewer).
                yield TextArea(text, id="cell-text", soft_wrap=True, show_line_numbers=False)
            else:
                yield SteadyInput(text, id="cell-input")
            yield Static("", id="cell-error", classes="dialog-error")
            save = "ctrl+s" if self.multi_line else "enter"
            yield Static(f"{save} stage · ctrl+n NULL · ctrl+d DEFAULT · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if self.closing:
            return
        if self.column.choices:
            choices = self.query_one(OptionList)
            known = isinstance(self.value, str) and self.value in self.column.choices
            choices.highlighted = self.column.choices.index(self.value) if known else 0  # type: ignore[arg-type]
            choices.focus()
        else:
            self.query_one("#cell-text" if self.multi_line else "#cell-input").focus()

    def _text(self) -> str:
        if self.multi_line:
            return self.query_one(TextArea).text
        return self.query_one(Input).value

    def _stage(self, value: CellValue) -> None:
        if isinstance(value, str) and self.column.is_json:
            problem = json_problem(value)
            if problem:
                self.query_one("#cell-error", Static).update(problem)
                return
        self.dismiss(EditedValue(value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._stage(event.value)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._stage(self.column.choices[event.option_index])

    def action_save(self) -> None:
        if self.column.choices and self.focused is self.query_one(OptionList):
            highlighted = self.query_one(OptionList).highlighted
            if highlighted is not None:
                self._stage(self.column.choices[highlighted])
                return
        self._stage(self._text())

    def action_null(self) -> None:
        if not self.column.nullable:
            self.query_one("#cell-error", Static).update(f"{self.column.name} is NOT NULL")
            return
        self._stage(None)

    def action_default(self) -> None:
        self._stage(DEFAULT)

    def action_cancel(self) -> None:
        self.dismiss(None)
