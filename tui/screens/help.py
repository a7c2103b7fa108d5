"""Every key binding, grouped by where it works."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.widgets.dialogs.dialog import Dialog


def describe_bindings(bindings: list[BindingType], keymap: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(keys, what they do) for each binding with a description; the keys as the
    user's keymap (binding id → keys) set them."""
    keymap = keymap or {}
    rows = []
    for binding in bindings:
        if isinstance(binding, Binding):
            keys, description = keymap.get(binding.id or "", binding.key), binding.description
        else:
            keys, description = binding[0], binding[2] if len(binding) > 2 else binding[1]
        keys = ", ".join(k.strip().replace("question_mark", "?").replace("slash", "/")
                .replace("vertical_line", "|") for k in keys.split(","))
        if description:
            rows.append((keys, description))
    return rows


class HelpScreen(Dialog[None]):
    """The key map, built from the screens' own BINDINGS so it cannot go stale."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False, id="help.close_alt"),
    ]

    def __init__(self, sections: list[tuple[str, list[BindingType]]], keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.sections = sections
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                for title, bindings in self.sections:
                    yield Static(f"[b]{title}[/b]", classes="help-section")
                    lines = [f"  {keys:<14} {desc}" for keys, desc in describe_bindings(bindings, self.keymap)]
                    yield Static("\n".join(lines), markup=False)
                yield Static(
                    "\nEvery action has a key that reaches bastion inside tmux/screen over SSH; "
                    "ctrl+p opens the command palette.",
                    classes="dialog-note", markup=False,
                )
            yield Static("esc close", classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
