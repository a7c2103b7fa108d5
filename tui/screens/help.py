"""Every key binding, grouped by where it works."""

from __future__ import annotations

import importlib

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from tui.widgets.dialogs.dialog import Dialog

# The help's sections after "Everywhere", in order: each lists the BINDINGS of the classes
# (or the binding lists) named "module:Name", so the help follows the code. A test checks
# that every binding id bastion has is shown in one (tests/screens/test_help_sections.py).
KEY_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Profiles", ("tui.screens.picker:PickerScreen",)),
    ("Fleet", ("tui.screens.fleet:FleetScreen",)),
    ("Workspace", ("tui.screens.workspace:WorkspaceScreen",)),
    ("Sidebar", ("tui.widgets.catalog_tree:CatalogTree",)),
    ("Query", ("tui.widgets.query.pane:QueryPane", "tui.screens.help:QUERY_CANCEL")),
    ("Commit prompt", ("tui.widgets.query.transaction_prompt:TransactionPrompt",)),
    ("Query results", ("tui.widgets.query.result_grid:ResultGrid",)),
    ("Browse data", ("tui.widgets.browse:BrowsePane", "tui.widgets.grid_selection:SELECTION_BINDINGS")),
    ("Cell editor", ("tui.widgets.browse.cell_editor:CellEditor",)),
    ("Review changes", ("tui.widgets.browse.changes_review:ChangesReview",)),
    ("Row view", ("tui.widgets.row_view:RowView",)),
    ("Copy as", ("tui.widgets.copy_chooser:CopyFormatChooser",)),
    ("Migrations", ("tui.widgets.migrations:MigrationsPane",)),
    ("Activity", ("tui.widgets.activity:ActivityPane",)),
    ("Server", ("tui.widgets.server:ServerPane",)),
    ("Pooler", ("tui.widgets.pooler:PoolerPane",)),
)
# What the Query pane's escape / ctrl+c do while a statement runs, said in full.
QUERY_CANCEL = [Binding("escape,ctrl+c", "", "Cancel the running statement")]


def key_sections(everywhere: list[BindingType]) -> list[tuple[str, list[BindingType]]]:
    """("Everywhere", `everywhere`), then KEY_SECTIONS with their bindings (imports the
    panes' modules on the first call)."""
    sections = [("Everywhere", everywhere)]
    for title, sources in KEY_SECTIONS:
        bindings: list[BindingType] = []
        for source in sources:
            module, _, name = source.partition(":")
            owner = getattr(importlib.import_module(module), name)
            bindings.extend(owner if isinstance(owner, list) else owner.BINDINGS)
        sections.append((title, bindings))
    return sections


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
