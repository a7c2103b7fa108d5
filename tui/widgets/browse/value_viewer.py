"""The value viewer: one cell in full. JSON pretty-printed, bytea as hex, long text folded."""

from __future__ import annotations

import json

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static, TextArea

from tui.widgets.browse.structure_view import highlighted
from tui.widgets.dialogs.dialog import Dialog

# Lines longer than this are folded for display (a 2 MB single line would make
# every redraw measure 2 MB); copying still gives the original value.
FOLD = 200


def hex_dump(value: str) -> str:
    """PostgreSQL's '\\x0a1b…' (or SQLite's x'..') as an offset/hex/ASCII dump."""
    digits = value[2:] if value.startswith("\\x") else value[2:-1] if value.startswith("x'") else value
    data = bytes.fromhex(digits)
    lines = []
    for offset in range(0, len(data), 16):
        chunk = data[offset:offset + 16]
        ascii_part = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {chunk.hex(' '):<47}  {ascii_part}")
    return "\n".join(lines) or "(empty)"


def fold(text: str, width: int = FOLD) -> tuple[str, bool]:
    """Long lines cut into `width` pieces; whether anything was folded."""
    lines = text.split("\n")
    if all(len(line) <= width for line in lines):
        return text, False
    out: list[str] = []
    for line in lines:
        out.extend(line[i:i + width] for i in range(0, max(len(line), 1), width))
    return "\n".join(out), True


def prepare(value: str | None, column_type: str) -> tuple[str, str | None, str]:
    """(display text, TextArea language, note): run in a worker, it can be slow."""
    if value is None:
        return "NULL", None, "SQL NULL"
    if column_type in ("json", "jsonb") or (column_type.lower() == "text" and value[:1] in "[{"):
        try:
            pretty = json.dumps(json.loads(value), indent=2, ensure_ascii=False)
            # Highlighting is a Rich Syntax (not virtualised): only for modest sizes.
            return pretty, "json" if len(pretty) < 200_000 else None, f"JSON, {len(value):,} characters"
        except ValueError:
            pass
    # bytea as PostgreSQL prints it; SQLite blobs as the grid query renders them (x'..').
    if column_type == "bytea" or (value.startswith("x'") and value.endswith("'")):
        try:
            size = (len(value) - (2 if column_type == "bytea" else 3)) // 2
            return hex_dump(value), None, f"{size:,} bytes"
        except ValueError:
            pass
    text, folded = fold(value)
    note = f"{len(value):,} characters" + (f", lines folded at {FOLD} for display" if folded else "")
    return text, None, note


class ValueViewer(Dialog[None]):
    """A modal over the grid showing one value in full, with copy."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("c", "copy", "Copy value"),
    ]

    DEFAULT_CSS = """
    ValueViewer { align: center middle; }
    ValueViewer #value-box { width: 90%; height: 85%; border: round $primary; background: $surface; }
    ValueViewer #value-title { height: 1; text-style: bold; padding: 0 1; }
    ValueViewer #value-note { height: 1; color: $text-muted; padding: 0 1; }
    ValueViewer TextArea { height: 1fr; border: none; }
    ValueViewer #value-scroll { height: 1fr; display: none; padding: 0 1; }
    """

    def __init__(self, column: str, column_type: str, value: str | None) -> None:
        super().__init__()
        self.column = column
        self.column_type = column_type
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(id="value-box"):
            yield Static(f"{self.column}  ({self.column_type})", id="value-title", markup=False)
            yield Static("preparing…", id="value-note", markup=False)
            yield VerticalScroll(Static("", id="value-highlighted"), id="value-scroll")
            yield TextArea("", read_only=True, soft_wrap=False, show_line_numbers=False,
                           id="value-text", theme="css")

    def on_mount(self) -> None:
        self.prepare_value()

    @work(thread=True, exclusive=True)
    def prepare_value(self) -> None:
        text, language, note = prepare(self.value, self.column_type)
        self.app.call_from_thread(self._show, text, language, note)

    def _show(self, text: str, language: str | None, note: str) -> None:
        # TextArea's own highlighting needs tree-sitter grammars, which crash
        # with some wheel combinations: Rich's (pygments) highlighting instead.
        area = self.query_one(TextArea)
        scroll = self.query_one("#value-scroll", VerticalScroll)
        area.load_text(text)
        area.display = language is None
        scroll.display = language is not None
        if language:
            self.query_one("#value-highlighted", Static).update(
                highlighted(text, language))
            scroll.focus()
        else:
            area.focus()
        self.query_one("#value-note", Static).update(note + "   c copy · esc close")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("NULL" if self.value is None else self.value)
        self.notify("Value copied (OSC 52)", timeout=2)
