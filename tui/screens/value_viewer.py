"""A whole value: JSON pretty-printed and highlighted, long text scrollable."""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static, TextArea

from tui.screens.dialog import Dialog

VIEW_LIMIT = 5_000_000  # characters shown; the rest is cut with a note


def pretty(value: str | None) -> tuple[str, str | None]:
    """The text to show and its highlighting language (json or none)."""
    if value is None:
        return "NULL", None
    stripped = value.lstrip()
    if stripped[:1] in "{[" and len(value) < 2_000_000:
        try:
            return json.dumps(json.loads(value), indent=2, ensure_ascii=False), "json"
        except ValueError:
            pass
    return value, None


class ValueViewer(Dialog[None]):
    """Read-only, scrollable, copyable (y): TextArea renders only what is visible,
    so a multi-megabyte value opens without freezing the app."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
        Binding("y", "copy", "Copy value"),
    ]

    def __init__(self, title: str, value: str | None) -> None:
        super().__init__()
        self.title_text = title
        self.value = value

    def compose(self) -> ComposeResult:
        text, language = pretty(self.value)
        note = ""
        if len(text) > VIEW_LIMIT:
            text, note = text[:VIEW_LIMIT], f"(first {VIEW_LIMIT:,} characters shown; y copies all)"
        with Vertical(classes="dialog", id="value-dialog"):
            size = f"{len(self.value):,} characters" if self.value is not None else "NULL"
            yield Label(f"{self.title_text}  ({size})", classes="dialog-title", markup=False)
            area = TextArea(text, read_only=True, language=language, soft_wrap=True, id="value-text")
            area.cursor_blink = False
            yield area
            yield Static(f"y copy · esc close {note}", classes="dialog-keys", markup=False)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("" if self.value is None else self.value)
        self.app.notify("Value copied.")

    def action_close(self) -> None:
        self.dismiss(None)
