"""The sidebar: schemas, opened lazily into their tables and views."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode
from textual.worker import Worker, WorkerState

from tui.db.base import Database
from tui.services import catalog
from tui.services.catalog import CatalogEntry

KIND_ICONS = {
    "table": "▦", "partitioned": "▤", "view": "◇", "matview": "◆", "foreign": "⇄",
}


def entry_label(entry: CatalogEntry) -> Text:
    label = Text(f"{KIND_ICONS[entry.kind]} " if entry.kind in KIND_ICONS else "")
    label.append(entry.name)
    if entry.kind != "schema" and entry.estimate is not None:
        label.append(f"  {catalog.compact_count(entry.estimate)}", style="dim")
    return label


class CatalogTree(Tree[CatalogEntry]):
    """Loads one level per query, in a worker, when a node is first opened."""

    BINDINGS = [("r", "reload", "Refresh")]

    def __init__(self, database: Database) -> None:
        super().__init__("catalog", id="catalog-tree")
        self.database = database
        self.show_root = False
        self.guide_depth = 2
        self._pending: dict[Worker[list[CatalogEntry]], TreeNode[CatalogEntry]] = {}

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.clear()
        self.root.add_leaf(Text("loading…", style="dim italic"))
        self.run_worker(lambda: catalog.schemas(self.database), thread=True,
                        exit_on_error=False, group="catalog-root", exclusive=True)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[CatalogEntry]) -> None:
        node = event.node
        entry = node.data
        if entry is None or entry.kind != "schema" or getattr(node, "_loaded", False):
            return
        node._loaded = True  # type: ignore[attr-defined]
        node.remove_children()
        node.add_leaf(Text("loading…", style="dim italic"))
        worker = self.run_worker(lambda: catalog.relations(self.database, entry.name), thread=True,
                                 exit_on_error=False, group="catalog-node")
        self._pending[worker] = node

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group not in ("catalog-root", "catalog-node") or not worker.is_finished:
            return
        parent: TreeNode[CatalogEntry] = self._pending.pop(worker, self.root)
        parent.remove_children()
        if event.state == WorkerState.ERROR:
            parent.add_leaf(Text(f"cannot load: {worker.error}", style="red"))
            return
        if event.state != WorkerState.SUCCESS:
            return
        entries: list[CatalogEntry] = worker.result or []
        if not entries:
            parent.add_leaf(Text("(empty)", style="dim"))
        for entry in entries:
            if entry.kind == "schema":
                parent.add(entry_label(entry), data=entry)
            else:
                parent.add_leaf(entry_label(entry), data=entry)
        if parent is self.root and self.root.children:
            self.move_cursor(self.root.children[0])
