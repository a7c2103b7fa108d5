"""The sidebar: schemas, opened lazily into their objects, with type-to-filter;
`d` goes up a level to the server's databases (enter switches to one)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, Tree
from textual.widgets.tree import TreeNode

from tui.db.base import Database
from tui.db.link import is_connection_lost
from tui.formatting import size_text
from tui.messages import ConnectionLost
from tui.services import catalog
from tui.services.catalog import CatalogEntry
from tui.services.databases import ServerDatabase, server_databases
from tui.widgets.steady_input import SteadyInput

KIND_ICONS = {
    "table": "▦", "partitioned": "▤", "view": "◇", "matview": "◆", "foreign": "⇄",
    "sequence": "#", "function": "ƒ", "procedure": "ƒ", "index": "↳", "trigger": "⚡",
}


def entry_label(entry: CatalogEntry, qualified: bool = False) -> Text:
    """Icon, name and, for tables, the row estimate and total size, dimmed
    ("~" before a size estimated because the table was locked)."""
    label = Text(f"{KIND_ICONS[entry.kind]} " if entry.kind in KIND_ICONS else "")
    if qualified and entry.schema:
        label.append(f"{entry.schema}.", style="dim")
    label.append(entry.name)
    size = size_text(entry.size)
    figures = [catalog.compact_count(entry.estimate) if entry.kind != "schema" else "",
               f"~{size}" if size and entry.size_estimated else size]
    figures = [figure for figure in figures if figure]
    if figures:
        label.append("  " + " ".join(figures), style="dim")
    return label


def database_label(found: ServerDatabase) -> Text:
    """Name, size, owner and connection limit; the current one marked, one the
    role cannot switch to dimmed with the reason in a word."""
    label = Text("● " if found.current else "⛁ ", style="bold" if found.current else "")
    label.append(found.name, style="bold" if found.current else ("dim" if found.refusal else ""))
    if not found.allows_connections:  # first: the sidebar is narrow, this matters most
        label.append("  no connections", style="red")
    elif not found.may_connect:
        label.append("  no CONNECT", style="red")
    limit = found.limit_text if found.connection_limit >= 0 else ""
    figures = [figure for figure in (size_text(found.size), limit, found.owner) if figure]
    label.append("  " + " ".join(figures), style="dim")
    return label


class CatalogTree(Tree[CatalogEntry]):
    """The catalog: one query per level, run in a worker when a node is first opened.

    `/` filters across every schema as you type, `r` reloads, `h` shows or hides
    the system schemas. `enter` on a table or view posts RelationSelected.
    """

    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("r", "reload", "Refresh"),
        Binding("h", "toggle_system", "System"),
        Binding("d", "databases", "Databases", show=False, id="sidebar.databases"),
    ]

    DEFAULT_CSS = """
    #catalog-filter { height: 1; border: none; padding: 0 1; background: $boost; }
    """

    class RelationSelected(Message):
        """The user picked a table, view or other browsable relation."""

        def __init__(self, schema: str | None, name: str, kind: str) -> None:
            super().__init__()
            self.schema = schema
            self.name = name
            self.kind = kind

    @dataclass
    class LevelLoaded(Message):
        """One level of the tree was read (or failed: `error`), for tree build `build`."""

        parent: TreeNode[CatalogEntry]
        build: int
        entries: list[CatalogEntry]
        error: Exception | None = None

    class SchemasLoaded(LevelLoaded):
        """The schemas, the tree's first level."""

    class ChildrenLoaded(LevelLoaded):
        """A schema's relations, or a partitioned table's partitions."""

    class SearchFound(LevelLoaded):
        """What the filter matched across every schema (shown flat, qualified)."""

    @dataclass
    class DatabasesLoaded(Message):
        """The server's databases (or why they could not be read), for tree build `build`."""

        build: int
        databases: list[ServerDatabase]
        error: Exception | None = None

    class DatabaseSelected(Message):
        """The user picked another database of the server to switch to."""

        def __init__(self, database: ServerDatabase) -> None:
            super().__init__()
            self.database = database

    def __init__(self, database: Database) -> None:
        super().__init__("catalog", id="catalog-tree")
        self.database = database
        self.show_root = False
        self.guide_depth = 2
        self.show_system = False
        self.filter_text = ""
        self._loaded: set[int] = set()
        # Bumped whenever the whole tree is rebuilt: late results of an older
        # build (a reload racing a search) are dropped.
        self._tree_build = 0
        self._filter_box: CatalogFilter | None = None
        self.load_failed = False  # some level showed "cannot load": reload after a reconnect
        self.showing_databases = False  # the database level instead of the schemas

    def on_mount(self) -> None:
        self.action_reload()

    # ---- loading ----------------------------------------------------------------
    def action_reload(self) -> None:
        """Reload from the catalog: picks up objects created or dropped since."""
        if self.showing_databases:
            self.show_databases()
            return
        if self.filter_text:
            self._search(self.filter_text)
            return
        self.clear()
        self._loaded.clear()
        self.load_failed = False
        self._tree_build += 1
        self.root.add_leaf(Text("loading…", style="dim italic"))
        self._load_schemas(self._tree_build, self.show_system)

    @work(thread=True, group="catalog-root", exclusive=True, exit_on_error=False)
    def _load_schemas(self, build: int, show_system: bool) -> None:
        try:
            entries = catalog.schemas(self.database, show_system)
        except Exception as exc:  # noqa: BLE001 - shown in the tree
            self.post_message(self.SchemasLoaded(self.root, build, [], exc))
        else:
            self.post_message(self.SchemasLoaded(self.root, build, entries))

    def reload_if_failed(self) -> None:
        """After a reconnect: reload only if something failed to load (quietly otherwise)."""
        if self.load_failed:
            self.action_reload()

    def action_toggle_system(self) -> None:
        self.show_system = not self.show_system
        self.notify(f"System schemas {'shown' if self.show_system else 'hidden'}", timeout=2)
        self.action_reload()

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[CatalogEntry]) -> None:
        node = event.node
        entry = node.data
        if entry is None or node.id in self._loaded or not (entry.kind == "schema" or entry.has_children):
            return
        self._loaded.add(node.id)
        node.remove_children()
        node.add_leaf(Text("loading…", style="dim italic"))
        self._load_children(node, entry, self._tree_build)

    @work(thread=True, group="catalog-node", exit_on_error=False)
    def _load_children(self, node: TreeNode[CatalogEntry], entry: CatalogEntry, build: int) -> None:
        try:
            if entry.kind == "schema":
                entries = catalog.relations(self.database, entry.name)
            else:
                entries = catalog.partitions(self.database, entry.schema or "", entry.name)
        except Exception as exc:  # noqa: BLE001 - shown in the tree
            self.post_message(self.ChildrenLoaded(node, build, [], exc))
        else:
            self.post_message(self.ChildrenLoaded(node, build, entries))

    def on_catalog_tree_schemas_loaded(self, event: CatalogTree.SchemasLoaded) -> None:
        self._fill(event, searching=False)

    def on_catalog_tree_children_loaded(self, event: CatalogTree.ChildrenLoaded) -> None:
        self._fill(event, searching=False)

    def on_catalog_tree_search_found(self, event: CatalogTree.SearchFound) -> None:
        self._fill(event, searching=True)

    def _fill(self, event: LevelLoaded, searching: bool) -> None:
        """Put a level's entries under its parent (unless a rebuild made them stale)."""
        event.stop()
        if event.build != self._tree_build:
            return
        parent = event.parent
        parent.remove_children()
        if event.error is not None:
            parent.add_leaf(Text(f"cannot load: {event.error}", style="red"))
            self.load_failed = True
            if is_connection_lost(event.error):
                self.post_message(ConnectionLost(str(event.error)))
            return
        entries = event.entries
        if not entries:
            parent.add_leaf(Text("(no match)" if searching else "(empty)", style="dim"))
        for entry in entries:
            label = entry_label(entry, qualified=searching)
            if entry.kind == "schema" or (entry.has_children and not searching):
                parent.add(label, data=entry)
            else:
                parent.add_leaf(label, data=entry)
        if parent is self.root and self.root.children:
            self.move_cursor(self.root.children[0])

    # ---- the database level --------------------------------------------------------
    def action_databases(self) -> None:
        """Up to the server's databases, or back down to this one's schemas."""
        if self.database.info.kind != "postgresql":
            self.notify("SQLite has one database: the file.", timeout=3)
            return
        if self.showing_databases:
            self.showing_databases = False
            self.action_reload()
        else:
            self.show_databases()

    def show_databases(self) -> None:
        """List the server's databases in place of the schemas."""
        if self.filter_text:
            self.clear_filter()
        self.showing_databases = True
        self.clear()
        self.load_failed = False
        self._tree_build += 1
        self.root.add_leaf(Text("loading…", style="dim italic"))
        self._load_databases(self._tree_build)

    @work(thread=True, group="catalog-root", exclusive=True, exit_on_error=False)
    def _load_databases(self, build: int) -> None:
        try:
            found = server_databases(self.database)
        except Exception as exc:  # noqa: BLE001 - shown in the tree
            self.post_message(self.DatabasesLoaded(build, [], exc))
        else:
            self.post_message(self.DatabasesLoaded(build, found))

    def on_catalog_tree_databases_loaded(self, event: CatalogTree.DatabasesLoaded) -> None:
        event.stop()
        if event.build != self._tree_build:
            return
        self.root.remove_children()
        if event.error is not None:
            self.root.add_leaf(Text(f"cannot load: {event.error}", style="red"))
            self.load_failed = True
            if is_connection_lost(event.error):
                self.post_message(ConnectionLost(str(event.error)))
            return
        self.root.add_leaf(Text("databases · enter switches · d back", style="dim italic"))
        for found in event.databases:
            self.root.add_leaf(database_label(found), data=found)  # type: ignore[arg-type]
        if len(self.root.children) > 1:
            self.move_cursor(self.root.children[1])

    # ---- picking ------------------------------------------------------------------
    def on_tree_node_selected(self, event: Tree.NodeSelected[CatalogEntry]) -> None:
        entry = event.node.data
        if isinstance(entry, ServerDatabase):
            if entry.current:
                self.action_databases()  # back to this database's schemas
            else:
                self.post_message(self.DatabaseSelected(entry))
            return
        if entry is not None and entry.browsable:
            self.post_message(self.RelationSelected(entry.schema, entry.name, entry.kind))

    # ---- type to filter -----------------------------------------------------------
    def action_filter(self) -> None:
        """Show the filter box above the tree (created on first use)."""
        if self._filter_box is not None:
            self._filter_box.focus()
            return
        if self.parent is None:
            return
        self._filter_box = CatalogFilter(self, self.filter_text)
        self.parent.mount(self._filter_box, before=self)
        self._filter_box.focus()

    def filter_changed(self, value: str) -> None:
        """Called by the filter box on every keystroke."""
        self.filter_text = value.strip()
        if self.filter_text:
            self._search(self.filter_text)
        else:
            self.action_reload()

    def on_key(self, event: Key) -> None:
        # esc in the tree while filtered: back to the full tree.
        if event.key == "escape" and self.filter_text:
            event.stop()
            self.clear_filter()

    def clear_filter(self) -> None:
        self.filter_text = ""
        if self._filter_box is not None:
            self._filter_box.remove()
            self._filter_box = None
        self.focus()
        self.action_reload()

    def _search(self, needle: str) -> None:
        self.clear()
        self.load_failed = False
        self._tree_build += 1
        self._search_catalog(needle, self._tree_build, self.show_system)

    @work(thread=True, group="catalog-search", exclusive=True, exit_on_error=False)
    def _search_catalog(self, needle: str, build: int, show_system: bool) -> None:
        try:
            entries = catalog.search(self.database, needle, show_system)
        except Exception as exc:  # noqa: BLE001 - shown in the tree
            self.post_message(self.SearchFound(self.root, build, [], exc))
        else:
            self.post_message(self.SearchFound(self.root, build, entries))


class CatalogFilter(SteadyInput):
    """The filter box above the tree: each keystroke searches every schema."""

    BINDINGS = [Binding("escape", "clear", "Clear filter"), Binding("down", "to_tree", show=False)]

    def __init__(self, tree: CatalogTree, value: str) -> None:
        super().__init__(value, placeholder="filter all schemas…", id="catalog-filter")
        self.catalog = tree

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.catalog.filter_changed(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.catalog.focus()

    def action_to_tree(self) -> None:
        self.catalog.focus()

    def action_clear(self) -> None:
        self.catalog.clear_filter()
