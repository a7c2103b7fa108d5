"""The blocking tree: root blockers with the sessions waiting on them nested below."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist

from tui.formatting import clip, duration
from tui.services.activity.blocking import BlockNode
from tui.services.activity.sessions import Session


class BlockingTreeTable(DataTable[Text | str]):
    """One row per (path to) session; `c`/`k` here act on the row's root blocker."""

    DEFAULT_CSS = """
    BlockingTreeTable { height: 1fr; }
    """

    class DetailRequested(Message):
        """Enter on a row: the pane opens the detail of the row's session."""

        def __init__(self, session: Session | None) -> None:
            super().__init__()
            self.session = session

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.roots_by_row: dict[str, int] = {}
        self.sessions_by_row: dict[str, Session | None] = {}
        self._signature: list[tuple[str, tuple[str, ...]]] = []

    def on_mount(self) -> None:
        self.add_column("blocker → waiters", key="tree", width=26)
        self.add_column("state", key="state", width=12)
        self.add_column("waiting", key="waiting", width=8)
        self.add_column("lock", key="lock", width=16)
        self.add_column("user", key="user", width=10)
        self.add_column("query", key="query", width=100)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # DataTable takes enter itself; its RowSelected is our "open the detail".
        event.stop()
        self.post_message(self.DetailRequested(self.current))

    @property
    def current(self) -> Session | None:
        """The session of the row under the cursor (None on a gone or prepared one)."""
        if not self.row_count:
            return None
        return self.sessions_by_row.get(self._current_key() or "")

    @property
    def current_root(self) -> int | None:
        return self.roots_by_row.get(self._current_key() or "")

    def _current_key(self) -> str | None:
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def show(self, tree: list[BlockNode]) -> None:
        rows: list[tuple[str, tuple[str | Text, ...], int, Session | None]] = []
        for root in tree:
            path: list[int] = []
            for depth, node in root.walk():
                path[depth:] = [node.pid]
                key = "/".join(map(str, path))
                rows.append((key, self._cells(node, depth), root.pid, node.session))
        if not rows:
            rows.append(("none", (Text("no session is waiting for a lock", style="dim"), "", "", "", "", ""),
                         -1, None))
        signature = [(k, tuple(str(c) for c in cells)) for k, cells, _, _ in rows]
        if signature == self._signature:
            return  # nothing changed: send nothing to the terminal
        self._signature = signature
        row = self.cursor_row
        self.clear()
        self.roots_by_row = {k: root for k, _, root, _ in rows if root >= 0}
        self.sessions_by_row = {k: s for k, _, _, s in rows}
        for key, cells, _, _ in rows:
            self.add_row(*cells, key=key)
        self.move_cursor(row=min(row, self.row_count - 1), animate=False)

    @staticmethod
    def _cells(node: BlockNode, depth: int) -> tuple[str | Text, ...]:
        s = node.session
        label = Text("  " * depth + ("└ " if depth else ""))
        if node.pid == 0:
            label.append("prepared xact", style="bold")
            return (label, "", "", "", "", "")
        label.append(str(node.pid), style="bold reverse red" if depth == 0 else "")
        if node.cycle:
            label.append(" (cycle)", style="red")
        if s is None:
            return (label, "gone", "", "", "", "")
        lock = f"{s.wait_event_type}:{s.wait_event}" if s.wait_event_type else ""
        return (label, clip(s.state or "?", 12), duration(s.wait_age), clip(lock, 16),
                clip(s.usename, 10), clip(s.query_line, 100))
