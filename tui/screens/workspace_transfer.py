"""The workspace's data in and out: dump, restore and CSV import dialogs (tui/widgets/transfer/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.widgets.catalog_tree import CatalogTree

if TYPE_CHECKING:
    from tui.screens.workspace import WorkspaceScreen


def transfer_commands(screen: WorkspaceScreen) -> list[tuple[str, str, Callable[[], None]]]:
    """The palette's dump / restore / import commands (title, help, callback)."""
    if screen.database.info.kind == "pgbouncer":
        return []
    return [("Back up (dump)", "pg_dump (SQLite: the backup API) to a file, with progress", screen.action_dump),
            ("Restore a dump", "pg_restore or psql of a dump file into this database", screen.action_restore),
            ("Import CSV", "a CSV/TSV file into the sidebar's selected table", screen.action_import_csv)]


def open_dump(screen: WorkspaceScreen) -> None:
    """The dump dialog for this workspace's database."""
    from tui.widgets.transfer.dump_dialog import DumpDialog

    screen.app.push_screen(DumpDialog(screen.profile, screen.database))


def open_restore(screen: WorkspaceScreen) -> None:
    """The restore dialog for this workspace's database."""
    from tui.widgets.transfer.restore_dialog import RestoreDialog

    screen.app.push_screen(RestoreDialog(screen.profile, screen.database))


def open_import_csv(screen: WorkspaceScreen) -> None:
    """The CSV import dialog into the sidebar's selected table (a warning without one)."""
    from tui.widgets.transfer.import_dialog import ImportDialog

    trees = screen.query(CatalogTree)
    node = trees.first().cursor_node if trees else None
    entry = node.data if node is not None else None
    if entry is None or entry.kind not in ("table", "partitioned"):
        screen.app.notify("Select a table in the sidebar first (s), then press M.", severity="warning")
        return
    screen.app.push_screen(ImportDialog(screen.profile, screen.database, entry.schema or "main", entry.name))
