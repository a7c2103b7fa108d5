"""What the Activity pane does on its second connection: sub-views, the
session detail, cancel and terminate (with confirmation)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.db.base import Database
from tui.db.link import connection_answers
from tui.formatting import clip
from tui.profiles import Profile
from tui.services.activity import ActivityMonitor, Tick, refusal
from tui.services.activity.actions import signal_backend
from tui.services.activity.blocking import blocking_edges
from tui.services.activity.sessions import Session
from tui.services.activity.views import indexes_view, locks_view, session_detail, statements_view, tables_view
from tui.widgets.activity.session_table import SessionTable
from tui.widgets.activity.tree_table import BlockingTreeTable
from tui.widgets.activity.view_table import ViewTable
from tui.widgets.dialogs.confirm import ConfirmScreen

T = TypeVar("T")

ACTION_TIMEOUT = "5s"


class SessionActions(Widget):
    """The half of ActivityPane that works on the action connection, never on the
    polling one, so a slow detail query or a signal cannot delay a refresh."""

    database: Database
    profile: Profile
    monitor: ActivityMonitor | None
    last_tick: Tick | None
    view: str
    marked: set[str]
    statements_order: str
    _actions: psycopg.Connection[Any] | None
    _actions_lock: threading.Lock
    _check_actions: bool

    @property
    def own_pids(self) -> frozenset[int]:
        raise NotImplementedError

    def action_refresh_now(self) -> None:
        raise NotImplementedError

    # -- the action connection ---------------------------------------------------
    def _action_conn(self) -> psycopg.Connection[Any]:
        """Runs in a worker: the second connection, opened once."""
        with self._actions_lock:
            if self._check_actions and self._actions is not None and not connection_answers(self._actions):
                self._actions.close()
            self._check_actions = False
            if self._actions is None or self._actions.closed:
                conn = self.database.new_connection()  # type: ignore[attr-defined]
                conn.execute("SELECT set_config('application_name', 'bastion activity actions', false)")
                self._actions = conn
            return self._actions

    def _on_action_conn(self, use: Callable[[psycopg.Connection[Any]], T]) -> T:
        """`use(conn)` in a transaction of its own on the action connection, with a
        statement_timeout that ends with it (a detail or view query must not wait
        forever behind a lock queue, and a transaction pooler hands the server
        connection on: no session setting may stay behind)."""
        conn = self._action_conn()
        with conn.transaction():
            conn.execute("SELECT set_config('statement_timeout', %s, true)", (ACTION_TIMEOUT,))
            return use(conn)

    def _load_view(self, view: str) -> None:
        monitor = self.monitor
        if monitor is None:
            return
        loaders = {
            "locks": lambda c: locks_view(c, monitor.features),
            "statements": lambda c: statements_view(c, self.database.info.version_num, monitor.features,
                                                    self.statements_order),
            "tables": lambda c: tables_view(c, monitor.features),
            "indexes": lambda c: indexes_view(c, monitor.features),
        }
        self.run_worker(lambda: (view, self._on_action_conn(loaders[view])), thread=True,
                        group="activity-view", exclusive=True, exit_on_error=False)

    def _show_view(self, result: Any) -> None:
        view, rows = result
        self.query_one(f"#{view}", ViewTable).load(rows)
        self._note(rows.note)

    def _note(self, text: str) -> None:
        note = self.query_one("#activity-note", Static)
        note.update(text)
        note.set_class(bool(text), "-shown")

    def action_detail(self) -> None:
        session = self.query_one(SessionTable).current if self.view == "sessions" else None
        if self.view == "tree":
            session = self.query_one(BlockingTreeTable).sessions_by_row.get(self._tree_row_key() or "")
        if session is None or self.monitor is None or self.last_tick is None:
            return
        edges = blocking_edges(self.last_tick.snapshot.sessions)
        waiters = sorted(edges.get(session.pid, ()))
        blockers = list(session.blocked_by)
        monitor, version = self.monitor, self.database.info.version_num
        self.run_worker(lambda: (self._on_action_conn(lambda c: session_detail(c, session, version, monitor.features)),
                                 blockers, waiters),
                        thread=True, group="activity-detail", exclusive=True, exit_on_error=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # DataTable takes enter itself; its RowSelected is our "open the detail".
        if isinstance(event.data_table, SessionTable | BlockingTreeTable):
            event.stop()
            self.action_detail()

    def _tree_row_key(self) -> str | None:
        tree = self.query_one(BlockingTreeTable)
        if not tree.row_count:
            return None
        return tree.coordinate_to_cell_key(tree.cursor_coordinate).row_key.value

    def _targets(self) -> list[Session]:
        tick = self.last_tick
        if tick is None:
            return []
        if self.view == "tree":
            root = self.query_one(BlockingTreeTable).current_root
            return [s for s in tick.snapshot.sessions if s.pid == root]
        table = self.query_one(SessionTable)
        if self.marked:
            by_key = {s.key_text: s for s in tick.snapshot.sessions}
            return [by_key[k] for k in sorted(self.marked) if k in by_key]
        return [table.current] if table.current else []

    def action_signal(self, action: str) -> None:
        targets = self._targets()
        if not targets:
            self.notify("No session selected.", severity="warning")
            return
        own = self.own_pids
        refused = [(s, why) for s in targets if (why := refusal(s, own))]
        for _, why in refused:
            self.notify(f"Refused: {why}.", severity="error")
        targets = [s for s in targets if s not in {r[0] for r in refused}]
        if not targets:
            return
        verb = "Cancel the query of" if action == "cancel" else "Terminate"
        lines = [f"pid {s.pid} · {s.usename or '?'} · {s.application_name or '-'} · {s.state or '?'}\n"
                 f"  {clip(s.query_line, 200)}" for s in targets]
        root = " (root blocker)" if self.view == "tree" else ""
        title = f"{verb} {len(targets)} session{'s' if len(targets) > 1 else ''}{root}?"
        required = None
        if self.profile.production:
            required = " ".join(str(s.pid) for s in targets)
        self.app.push_screen(ConfirmScreen(title, "\n".join(lines), require_text=required),
                             lambda yes: self._send(action, targets) if yes else None)

    def _send(self, action: str, targets: list[Session]) -> None:
        own = self.own_pids

        def work() -> None:
            for s in targets:
                result = self._on_action_conn(
                    lambda c, s=s: signal_backend(c, action, s.pid, s.backend_start, own | {c.info.backend_pid}))
                self.app.call_from_thread(self.notify, result.message,
                                          severity="information" if result.ok else "error")
            self.app.call_from_thread(self._after_signal)

        self.run_worker(work, thread=True, group="activity-action", exit_on_error=False)

    def _after_signal(self) -> None:
        self.marked.clear()
        self.action_refresh_now()

