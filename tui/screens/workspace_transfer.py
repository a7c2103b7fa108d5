"""The workspace's data in and out: dump, restore and CSV import dialogs (tui/widgets/transfer/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import TabbedContent

from tui.widgets.catalog_tree import CatalogTree

if TYPE_CHECKING:
    from tui.screens.workspace import WorkspaceScreen


def transfer_commands(screen: WorkspaceScreen) -> list[tuple[str, str, Callable[[], None]]]:
    """The palette's dump / restore / import commands (title, help, callback)."""
    if screen.database.info.kind == "pgbouncer":
        return []
    return [("Back up (dump)", "pg_dump (SQLite: the backup API) to a file, with progress", screen.action_dump),
            ("Restore a dump", "pg_restore or psql of a dump file into this database", screen.action_restore),
            ("Import CSV", "a CSV/TSV file into the table Browse shows (or the sidebar's selected one)",
             screen.action_import_csv)]


def open_dump(screen: WorkspaceScreen) -> None:
    """The dump dialog for this workspace's database."""
    from tui.widgets.transfer.dump_dialog import DumpDialog

    screen.app.push_screen(DumpDialog(screen.profile, screen.database))


def open_restore(screen: WorkspaceScreen) -> None:
    """The restore dialog for this workspace's database."""
    from tui.widgets.transfer.restore_dialog import RestoreDialog

    screen.app.push_screen(RestoreDialog(screen.profile, screen.database))


def import_target(screen: WorkspaceScreen) -> tuple[str | None, str, str] | None:
    """(schema, name, kind) of the table an import goes into: the one Browse shows
    when Browse is the active pane and the sidebar does not have the focus, else
    the sidebar's cursor; None when neither holds a relation."""
    from tui.widgets.browse import BrowsePane

    trees = screen.query(CatalogTree)
    tree = trees.first() if trees else None
    panes = screen.query("#panes")
    browsing = bool(panes) and panes.first(TabbedContent).active == "browse"
    if browsing and not (tree is not None and tree.has_focus):
        relation = next((pane.relation for pane in screen.query(BrowsePane)), None)
        if relation is not None:
            return relation.schema, relation.name, relation.kind
    node = tree.cursor_node if tree is not None else None
    entry = node.data if node is not None else None
    return (entry.schema, entry.name, entry.kind) if entry is not None else None


def open_import_csv(screen: WorkspaceScreen) -> None:
    """The CSV import dialog into the table Browse shows or the sidebar's selected
    one (a warning when that is no table)."""
    from tui.widgets.transfer.import_dialog import ImportDialog

    target = import_target(screen)
    if target is None or target[2] not in ("table", "partitioned"):
        what = f"{target[1]} is a {target[2]}, not a table. " if target is not None else ""
        screen.app.notify(f"{what}Open a table in Browse or select one in the sidebar (s), then press M.",
                          severity="warning")
        return
    schema, name, _kind = target
    screen.app.push_screen(ImportDialog(screen.profile, screen.database, schema or "main", name))
