"""The help screen is generated from the bindings: every key bastion has is in it."""

from __future__ import annotations

from textual.binding import Binding

from tui.app import BastionApp, binding_ids
from tui.screens.help import describe_bindings, key_sections

# Dialogs that show their own keys on their key line, and the help's own close keys.
SHOWN_ON_THEIR_DIALOG = ("help.", "import.", "tls.")


def test_every_binding_id_is_in_a_help_section() -> None:
    sections = key_sections(list(BastionApp.BINDINGS))
    shown = {b.id for _, bindings in sections for b in bindings if isinstance(b, Binding) and b.id}
    missing = {i for i in binding_ids() - shown if not i.startswith(SHOWN_ON_THEIR_DIALOG)}
    assert not missing, f"keys the help leaves out: {sorted(missing)}"


def test_the_sections_issue_14_asked_for() -> None:
    sections = dict(key_sections(list(BastionApp.BINDINGS)))
    assert {"Pooler", "Server", "Activity", "Cell editor", "Commit prompt"} <= set(sections)
    cell_editor = dict(describe_bindings(sections["Cell editor"]))
    assert cell_editor["ctrl+n"] == "NULL" and cell_editor["ctrl+d"] == "DEFAULT" and cell_editor["ctrl+s"] == "Stage"
    prompt = dict(describe_bindings(sections["Commit prompt"]))
    assert prompt["c"] == "Commit" and prompt["r, f12"] == "Roll back"
    assert dict(describe_bindings(sections["Query"]))["alt+w, ctrl+f4"] == "Close tab"
