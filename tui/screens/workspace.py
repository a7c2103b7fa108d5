"""The workspace after connecting: header, catalog sidebar, the panes (the
pooler pane alone on PgBouncer's admin console)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import Footer, Static, TabbedContent, TabPane

from tui.db.base import Database, ServerInfo
from tui.db.link import in_background
from tui.messages import ConnectionLost, RecoveryChanged
from tui.profiles import Profile
from tui.screens.database_switch import switch_database
from tui.screens.leaving import leave_after_open_work
from tui.screens.workspace_panes import PANE_MODULES as PANE_MODULES  # the app reads it here
from tui.screens.workspace_panes import build_pane, panes_for
from tui.screens.workspace_transfer import open_dump, open_import_csv, open_restore, transfer_commands
from tui.widgets.catalog_tree import CatalogTree
from tui.widgets.connection_header import ConnectionHeader
from tui.widgets.link_banner import LinkBanner
from tui.widgets.profile_writer import ProfileWriter

RECONNECT_KEY = "f4"  # free in every pane and in the editor, and sent by terminals inside tmux
FULL_WIDTH_PANES = ("activity", "migrations", "server")
WIDE_ENOUGH = 110  # columns: below this those panes hide the catalog sidebar

def unapplied_settings(profile: Profile, info: ServerInfo) -> str:
    """The profile's server settings that a pooler kept from the server ("" if none)."""
    if not info.pooler:
        return ""
    names = [name for name in ("statement_timeout", "search_path", "options") if getattr(profile, name)]
    return ", ".join(names)


class WorkspaceScreen(Screen[None]):
    """One open connection. Closing the screen closes the connection."""

    BINDINGS = [
        Binding("1", "pane('browse')", "Browse", id="workspace.browse"),
        Binding("2", "pane('query')", "Query", id="workspace.query"),
        Binding("3", "pane('migrations')", "Migrations", id="workspace.migrations"),
        Binding("4", "pane('activity')", "Activity", id="workspace.activity"),
        Binding("5", "pane('server')", "Server", id="workspace.server"),
        Binding("s", "focus_sidebar", "Sidebar", show=False, id="workspace.sidebar"),
        Binding("ctrl+o", "app.picker", "Profiles", id="workspace.profiles"),
        # Shown only while the link is lost.
        Binding(RECONNECT_KEY, "reconnect_now", "Reconnect now", id="workspace.reconnect"),
        # Data in and out (tui/widgets/transfer/); capitals: the panes' own keys are lower case.
        Binding("D", "dump", "Back up (dump)", show=False, id="workspace.dump"),
        Binding("L", "restore", "Restore a dump", show=False, id="workspace.restore"),
        Binding("M", "import_csv", "Import CSV into the table shown", show=False, id="workspace.import_csv"),
    ]

    # Textual repaints the whole screen whenever the focus moves (Screen.focused is a
    # repainting reactive), although focus styles are updated widget by widget: over
    # a slow link that is a full screen of bytes per pane switch.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    # Seconds between the workspace's own pg_is_in_recovery() reads, made only while
    # no built pane (Activity, Server) reads it on its refreshes.
    recovery_check_interval = 10.0

    def __init__(self, profile: Profile, database: Database, home: Profile | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.database = database
        # The profile as saved: after a switch to another database of the server
        # (or `bastion PROFILE/DBNAME`), `profile` differs from it by `database` only.
        self.home = home
        self._recovery_checking = False  # a read is on its way: do not queue another
        self._watched_loading: set[str] = set()
        self._panes_ready = False  # set after the first refresh: see on_mount
        self.link_banner = LinkBanner(database, reconnect_key=RECONNECT_KEY)
        self.panes = panes_for(database.info.kind)
        if profile.production:
            self.add_class("-production")

    def compose(self) -> ComposeResult:
        yield ConnectionHeader(self.profile, self.database.info)
        yield self.link_banner
        first = self.panes[0][0]
        with Horizontal(id="workspace-body"):
            if self.database.info.kind != "pgbouncer":  # the console has no catalog
                with Vertical(id="sidebar"):
                    yield CatalogTree(self.database)
            with TabbedContent(id="panes"):
                for pane_id, title in self.panes:
                    with TabPane(title, id=pane_id):
                        # Only the first is built now; the others on first view, so a
                        # pane never opened costs no memory, no queries, no traffic.
                        yield build_pane(self, pane_id) if pane_id == first else Static("", classes="pane-pending")
        if "query" in dict(self.panes):
            from tui.widgets.query.saved_commands import SavedQueryIndex

            yield SavedQueryIndex(self.profile.name, with_health=self.database.info.kind != "sqlite")
        yield ProfileWriter()
        yield Footer()

    @property
    def home_profile(self) -> Profile:
        """The saved profile this workspace came from (itself when not in the file)."""
        if self.home is None:
            store = getattr(self.app, "store", None)
            self.home = store.profiles.get(self.profile.name, self.profile) if store is not None else self.profile
        return self.home

    @property
    def storage_key(self) -> str:
        """Editor tabs and history: the profile's own, or this database's after a switch."""
        from tui.services.databases import storage_key

        return storage_key(self.profile.name, self.home_profile.database, self.profile.database)

    def switch_database(self, name: str) -> None:
        """Open database `name` of this server with this profile's credentials, tunnel
        and TLS; this workspace closes once the new one is connected. Every way of
        leaving this database goes through here: an open transaction is asked about first."""
        switch_database(self, name)

    def show_databases(self) -> None:
        """The sidebar at the database level (the palette's "Switch database")."""
        self.action_focus_sidebar()
        for tree in self.query(CatalogTree):
            tree.show_databases()

    def on_catalog_tree_database_selected(self, event: CatalogTree.DatabaseSelected) -> None:
        event.stop()
        refusal = event.database.refusal
        if refusal is not None:
            self.app.notify(f"Not switching: {refusal}.", severity="warning", timeout=10)
            return
        self.switch_database(event.database.name)

    def profile_changed(self, profile: Profile) -> None:
        """A pane learnt something to remember (e.g. where the migrations are)."""
        self.profile = profile
        if profile.database != self.home_profile.database:  # saved without the switch
            profile = profile.with_changes(database=self.home_profile.database)
        store = self.app.store  # type: ignore[attr-defined]
        if profile.name not in store.profiles:
            self.app.notify("Remembered for this session (this profile is not in the profiles file).")
            return
        self.query_one(ProfileWriter).write(lambda: store.put(profile), "Not saved",
                                            lambda: self.app.notify(f"Saved to profile '{profile.name}'."))

    def on_catalog_tree_relation_selected(self, event: CatalogTree.RelationSelected) -> None:
        from tui.widgets.browse import BrowsePane

        for pane in self.query(BrowsePane):
            pane.open_relation(event.schema, event.name, event.kind)
        self.action_pane("browse")

    def action_pane(self, pane_id: str) -> None:
        if pane_id not in dict(self.panes):
            return  # e.g. Browse on a pooler's console, Server on SQLite
        panes = self.query("#panes")
        # A key that arrives while the screen is being built or closed (its tabs
        # may already be gone while the TabbedContent itself is still there).
        if not panes or len(panes.first().children) < 2:
            return
        tabbed = panes.first(TabbedContent)
        if tabbed.active != pane_id and not self.query(f"#{pane_id} .pane-pending"):
            # Back to a built pane takes several refresh cycles (the pane, the focus,
            # the tab underline, the footer's keys), each a frame repainting most of
            # the screen: hold the output for 50 ms to send fewer, bigger frames.
            self.app.delay_update(0.05)
        # Let go of the focus first: once the old pane is hidden Textual would move it
        # to a neighbour, which may sit in the old pane, and TabbedContent then
        # switches back to the pane holding the focus.
        self.set_focus(None)
        tabbed.active = pane_id
        self._focus_pane(pane_id)

    def on_mount(self) -> None:
        # The first tab activation comes from mounting: leave focus on the sidebar.
        self.call_after_refresh(setattr, self, "_panes_ready", True)
        if self.database.info.kind == "postgresql":  # a promotion reaches the header whatever pane is open
            self.set_interval(self.recovery_check_interval, self._recovery_due)
        lost = unapplied_settings(self.profile, self.database.info)
        if lost:
            per_transaction = " (the Query pane sets statement_timeout and search_path in each transaction)" \
                if self.profile.statement_timeout or self.profile.search_path else ""
            self.app.notify(f"Through {self.database.info.pooler}, the profile's {lost} could not be set on the "
                            f"server: they do not apply here{per_transaction}.", severity="warning", timeout=12)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._fit_sidebar()
        if event.pane.id and self._panes_ready:
            self._focus_pane(event.pane.id)
        elif event.pane.id:
            self._ensure_pane(event.pane.id)

    def _ensure_pane(self, pane_id: str) -> AwaitMount | None:
        tabs = self.query(f"#{pane_id}")
        if not tabs:
            return None
        tab = tabs.first(TabPane)
        pending = tab.query(".pane-pending")
        if not pending:
            return None
        pending.remove()
        return tab.mount(build_pane(self, pane_id))

    def _focus_pane(self, pane_id: str) -> None:
        """Build the pane if this is its first showing, then give it the keys."""
        mounting = self._ensure_pane(pane_id)

        async def focus_when_mounted() -> None:
            if mounting is not None:
                await mounting
            self._give_focus(pane_id)

        self.call_later(focus_when_mounted)

    def _give_focus(self, pane_id: str) -> None:
        tabs = self.query(f"#{pane_id}")
        if not tabs or not tabs.first().children or not self.is_attached:
            return
        pane = tabs.first().children[0]
        if pane.loading:
            self._focus_when_loaded(pane_id, pane)
            return
        focus_default = getattr(pane, "focus_default", None)
        if callable(focus_default):
            focus_default()
        elif pane.focusable:
            pane.focus()

    def _focus_when_loaded(self, pane_id: str, pane: Widget) -> None:
        # Textual refuses the focus to a widget showing its loading indicator:
        # give it once the load is done, unless the user has moved on meanwhile.
        def loaded(loading: bool) -> None:
            panes = self.query("#panes")
            if not loading and self.focused is None and panes and panes.first(TabbedContent).active == pane_id:
                self._give_focus(pane_id)

        if pane_id not in self._watched_loading:
            self._watched_loading.add(pane_id)
            self.watch(pane, "loading", loaded, init=False)

    def on_resize(self) -> None:
        self._fit_sidebar()

    def _fit_sidebar(self) -> None:
        """On a narrow terminal, Activity and Migrations take the full width (their
        tables need it more than the catalog does); `s` brings the sidebar back."""
        panes = self.query("#panes")
        sidebar = self.query("#sidebar")
        if not panes or not sidebar:
            return
        active = panes.first(TabbedContent).active
        sidebar.first().display = not (active in FULL_WIDTH_PANES and self.size.width < WIDE_ENOUGH)

    def action_focus_sidebar(self) -> None:
        for sidebar in self.query("#sidebar"):
            sidebar.display = True
        for tree in self.query(CatalogTree):
            tree.focus()

    # -- the link ---------------------------------------------------------------------
    def reconnect_now(self) -> None:
        """Reconnect at once: skips the banner's countdown, or, while the link is
        fine, replaces the main connection (an open transaction in the Query pane is
        asked about first). Editor text, tabs, results stay."""
        if self.link_banner.lost:
            self.link_banner.reconnect_now()
        else:
            self.leave_transaction_first("Reconnect", self.link_banner.reconnect_now)

    # -- the Query pane's transaction --------------------------------------------------------
    def leave_transaction_first(self, leaving: str, then: Callable[[], None]) -> None:
        """`then` at once, or after the Query pane's open transaction was committed or
        rolled back; never if the user stays in it. `leaving` names what waits
        ("Quit", "Switch profile", "Switch database", "Reconnect" …); Browse's staged edits too."""
        leave_after_open_work(self, leaving, then)

    def on_saved_queries_saved(self, event: Any) -> None:
        from tui.widgets.query.saved_commands import SavedQueryIndex

        for index in self.query(SavedQueryIndex):
            index.load()  # the palette lists the new query

    def on_query_pane_database_switch(self, event: Any) -> None:
        self.switch_database(event.name)  # `\c NAME` typed in the Query pane

    def on_query_pane_transaction_changed(self, event: Any) -> None:
        """The Query pane's transaction opened, changed or ended: the header says so."""
        event.stop()
        for header in self.query(ConnectionHeader):  # none while the screen is being closed
            header.show_transaction(event.header)

    def action_reconnect_now(self) -> None:
        self.reconnect_now()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pane":
            return parameters[0] in dict(self.panes)  # no key in the footer for a pane this kind lacks
        if action == "reconnect_now":
            return self.link_banner.lost  # in the footer only while the link is lost
        if action in ("dump", "restore", "import_csv"):
            return self.database.info.kind != "pgbouncer"
        return True

    # -- data in and out ---------------------------------------------------------------
    def transfer_commands(self) -> list[tuple[str, str, Callable[[], None]]]:
        """The palette's dump / restore / import commands (title, help, callback)."""
        return transfer_commands(self)

    def action_dump(self) -> None:
        open_dump(self)

    def action_restore(self) -> None:
        open_restore(self)

    def action_import_csv(self) -> None:
        open_import_csv(self)

    def on_connection_lost(self, event: ConnectionLost) -> None:
        event.stop()
        self.link_banner.connection_lost(event.reason)
        self.refresh_bindings()

    def on_recovery_changed(self, event: RecoveryChanged) -> None:
        """A pane read pg_is_in_recovery() anew: a standby promoted while we are
        connected keeps its connections, so no reconnect would tell the header."""
        event.stop()
        info = self.database.info
        if event.in_recovery == info.in_recovery:
            return
        # Only this fact changed: read-only is the session's default_transaction_read_only,
        # which a promotion leaves as it was. The Query pane's standby hint reads it too.
        self.database.info = replace(info, in_recovery=event.in_recovery)
        for header in self.query(ConnectionHeader):  # none while the screen is being closed
            header.show_info(self.database.info)
        if event.in_recovery:
            self.app.notify(f"{self.profile.target()} is a standby now (in recovery): it takes no writes.",
                            severity="warning", timeout=12)
        else:
            self.app.notify(f"{self.profile.target()} was promoted: it is a primary now and takes writes.",
                            severity="warning", timeout=12)

    def _recovery_due(self) -> None:
        panes = (pane for tab in self.query("#panes TabPane") for pane in tab.children)
        if self._recovery_checking or self.link_banner.lost:
            return  # one read at a time, none on a link known to be down
        if any(getattr(pane, "in_recovery", None) is not None for pane in panes):
            return  # a pane reads it on each of its refreshes and says when it changes
        self._recovery_checking = True
        self._check_recovery()

    @work(thread=True, group="workspace-recovery", exit_on_error=False)
    def _check_recovery(self) -> None:
        """pg_is_in_recovery() on the workspace connection; RecoveryChanged if it moved."""
        try:
            rows = self.database.read_rows("SELECT pg_is_in_recovery() AS in_recovery")
        except Exception:  # noqa: BLE001 - a lost link is the banner's to tell; try again later
            rows = []
        finally:
            self._recovery_checking = False
        if rows and bool(rows[0]["in_recovery"]) != self.database.info.in_recovery:
            self.post_message(RecoveryChanged(bool(rows[0]["in_recovery"])))

    def on_link_banner_reconnected(self, event: LinkBanner.Reconnected) -> None:
        # Only what may have changed: the header's facts and a sidebar that failed.
        self.query_one(ConnectionHeader).show_info(event.info)
        for tree in self.query(CatalogTree):
            tree.reload_if_failed()
        # Each pane's own connection may have died with the link while idle, unnoticed:
        # every built pane checks it before its next use (Browse, Query, Activity).
        for tab in self.query("#panes TabPane"):
            for pane in tab.children:
                link_restored = getattr(pane, "link_restored", None)
                if callable(link_restored):
                    link_restored()
        self.refresh_bindings()
        self.app.notify(f"Reconnected to {self.profile.target()}.")

    def on_unmount(self) -> None:
        in_background(self.database.close, "bastion-workspace-close")
