"""Textual's private names that bastion overrides, calls or reads.

Textual is pinned to one major version (pyproject.toml), but a private name may
change in any release. An override of a method that no longer exists is simply
never called, and a read of a renamed attribute fails deep inside a pilot test or
only in a user's terminal: here each one fails at once, naming the name and the
bastion module that relies on it. After a Textual upgrade that breaks a line here,
adapt that module (and this list).
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

# (Textual module[:Class], name, where bastion relies on it and how)
PRIVATE_NAMES: list[tuple[str, str, str]] = [
    # tui/app.py: crash reports, NO_COLOR filters, the short fatal-error message
    ("textual.app:App", "_handle_exception", "overrides it in tui/app.py (crash report)"),
    ("textual.app:App", "_fatal_error", "overrides it in tui/app.py (redacted summary)"),
    ("textual.app:App", "_exception", "reads it in tui/app.py (_fatal_error)"),
    ("textual.app:App", "_exit_renderables", "appends to it in tui/app.py (_fatal_error)"),
    ("textual.app:App", "_close_messages_no_wait", "calls it in tui/app.py (_fatal_error)"),
    ("textual.app:App", "_filters", "replaces the NO_COLOR filter in it in tui/app.py"),
    ("textual.app:App", "_loop", "reads it in tui/terminal.py (exit when the terminal is gone)"),
    ("textual.app:App", "_notifications", "reads it in tests (tests/test_app.py: what the user was told)"),
    # tui/widgets/command_palette.py: the hardened palette
    ("textual.command:CommandPalette", "_action_command_list",
     "overrides it in tui/widgets/command_palette.py"),
    ("textual.command:CommandPalette", "_gather_commands", "overrides it in tui/widgets/command_palette.py"),
    ("textual.command:CommandPalette", "_action_cursor_down", "overrides it in tui/widgets/command_palette.py"),
    ("textual.command:CommandPalette", "_GATHER_COMMANDS_GROUP",
     "uses it as the worker group in tui/widgets/command_palette.py"),
    # tui/terminal.py: the input thread and the parser's fast paths
    ("textual._parser", "ParseError", "imports it in tui/terminal.py"),
    ("textual._parser", "Read1", "imports it in tui/terminal.py (parser_is_idle)"),
    ("textual._xterm_parser", "XTermParser", "imports it in tui/terminal.py"),
    ("textual._xterm_parser:XTermParser", "_awaiting", "reads it in tui/terminal.py (parser_is_idle)"),
    ("textual._xterm_parser:XTermParser", "_gen", "reads it in tui/terminal.py (parser_is_idle)"),
    ("textual._xterm_parser:XTermParser", "_tokens", "reads it in tui/terminal.py (parser_is_idle)"),
    ("textual.drivers.linux_driver:LinuxDriver", "_file", "wraps it in tui/terminal.py (TerminalDriver)"),
    ("textual.drivers.linux_driver:LinuxDriver", "_app", "reads it in tui/terminal.py (TerminalDriver)"),
    ("textual.drivers.linux_driver:LinuxDriver", "_debug", "reads it in tui/terminal.py (run_input_thread)"),
    ("textual.keys", "_character_to_key", "imports it in tui/terminal.py and tui/key_order.py"),
    ("textual.keys", "_get_unicode_name_from_key", "imports it in tui/key_order.py"),
    # tui/key_order.py: following a key up the DOM
    ("textual.message_pump:MessagePump", "_parent", "reads it in tui/key_order.py"),
    ("textual.message_pump:MessagePump", "_closing", "reads it in tui/key_order.py"),
    ("textual.message_pump:MessagePump", "_closed", "reads it in tui/key_order.py"),
    ("textual.message:Message", "_stop_propagation", "reads it in tui/key_order.py"),
    # tui/widgets/activity/session_table.py: DataTable's caches, invalidated by key
    ("textual.widgets._data_table:DataTable", "_data", "reads it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_update_count",
     "bumps it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_row_locations",
     "sets it in tui/widgets/activity/session_table.py (order by key)"),
    ("textual.widgets._data_table:DataTable", "_cell_render_cache",
     "prunes it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_row_render_cache",
     "prunes it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_row_renderable_cache",
     "prunes it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_line_cache", "clears it in tui/widgets/activity/session_table.py"),
    ("textual.widgets._data_table:DataTable", "_refresh_region",
     "calls it in tui/widgets/activity/session_table.py"),
    ("textual._two_way_dict", "TwoWayDict", "imports it in tui/widgets/activity/session_table.py"),
    ("textual._two_way_dict:TwoWayDict", "get_key", "calls it in tui/widgets/activity/session_table.py"),
    ("textual.cache:LRUCache", "discard", "calls it in tui/widgets/activity/session_table.py"),
    # tui/widgets/activity/plain_rows.py: DataTable's drawing, with fewer per-line costs
    ("textual.widgets._data_table:DataTable", "_render_cell",
     "overrides it in tui/widgets/activity/plain_rows.py (plain cells drawn directly)"),
    ("textual.widgets._data_table:DataTable", "_render_line_in_row",
     "overrides it in tui/widgets/activity/plain_rows.py (no header style per line)"),
    ("textual.widgets._data_table:DataTable", "_render_line", "calls it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_get_styles_to_render_cell",
     "calls it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_get_row_style", "calls it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_should_highlight", "calls it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_should_render_row_labels",
     "reads it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_row_label_column_width",
     "reads it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_header_row_key", "reads it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_column_locations", "reads it in tui/widgets/activity/plain_rows.py"),
    ("textual.widgets._data_table:DataTable", "_show_hover_cursor",
     "reads it in tui/widgets/activity/plain_rows.py (the caches' keys)"),
    ("textual.widgets._data_table:DataTable", "_pseudo_class_state",
     "reads it in tui/widgets/activity/plain_rows.py (the caches' keys)"),
    # tui/widgets/steady_select.py: a Select dismissed while it mounts
    ("textual.widgets._select:Select", "_init_selected_option", "overrides it in tui/widgets/steady_select.py"),
    # tui/widgets/query/editor_tabs.py: the editor's height as it was before the split
    ("textual.widget:Widget", "_has_relative_children_height", "overrides it in tui/widgets/query/editor_tabs.py"),
    # tui/widgets/query/sql_editor.py: highlighting only the lines in view
    ("textual._tree_sitter", "get_language", "imports it in tui/widgets/query/sql_editor.py"),
    ("textual.document._edit", "Edit", "imports it in tui/widgets/query/sql_editor.py"),
    ("textual.document._wrapped_document", "WrappedDocument", "subclasses it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_set_document", "overrides it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_refresh_size", "overrides it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_build_highlight_map",
     "overrides it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_refresh_scrollbars", "calls it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_get_builtin_highlight_query",
     "calls it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_visible_line_indices", "reads it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_highlight_query", "reads it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_highlights", "fills it in tui/widgets/query/sql_editor.py"),
    ("textual.widgets._text_area:TextArea", "_line_cache", "clears it in tui/widgets/query/sql_editor.py"),
    *[
        ("textual.document._wrapped_document:WrappedDocument", name,
         "sets it in tui/widgets/query/sql_editor.py (_WrappedDocumentWithHeight.wrap)")
        for name in ("_width", "_tab_width", "_wrap_offsets", "_offset_to_line_info", "_line_index_to_offsets",
                     "_tab_width_cache")
    ],
]


def textual_defines(owner: object, name: str) -> bool:
    """True if `owner` (a module or class) has `name`, or a Textual class of its MRO
    assigns `self.<name>` (an instance attribute set in __init__)."""
    if hasattr(owner, name):
        return True
    if not inspect.isclass(owner):
        return False
    assignment = re.compile(rf"self\.{re.escape(name)}\b\s*(:[^=]*)?=")  # annotations may span lines
    return any(
        assignment.search(inspect.getsource(cls))
        for cls in owner.__mro__
        if cls.__module__.startswith("textual")
    )


@pytest.mark.parametrize(("owner", "name", "use"), PRIVATE_NAMES, ids=[f"{o}.{n}" for o, n, _ in PRIVATE_NAMES])
def test_textual_still_has_the_private_names_bastion_relies_on(owner: str, name: str, use: str) -> None:
    module_name, _, class_name = owner.partition(":")
    try:
        target: object = importlib.import_module(module_name)
    except ImportError:
        pytest.fail(f"Textual renamed the module {module_name}; bastion {use}")
    if class_name:
        if not hasattr(target, class_name):
            pytest.fail(f"Textual renamed {module_name}.{class_name}; bastion {use}")
        target = getattr(target, class_name)
    if not textual_defines(target, name):
        pytest.fail(f"Textual renamed {owner.replace(':', '.')}.{name}; bastion {use}")


def test_the_palette_search_is_still_a_wrapped_worker() -> None:
    from textual.command import CommandPalette

    if not hasattr(CommandPalette._gather_commands, "__wrapped__"):
        pytest.fail("Textual's CommandPalette._gather_commands is no longer a @work method with __wrapped__; "
                    "bastion calls the unwrapped search in tui/widgets/command_palette.py")
