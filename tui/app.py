"""The bastion App: screens, global keys, themes, connecting, crash handling."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, work
from textual.app import App, ScreenStackError, SystemCommand, UnknownModeError
from textual.binding import Binding
from textual.command import CommandPalette
from textual.dom import DOMNode
from textual.driver import Driver
from textual.filter import Monochrome, NoColor
from textual.message import Message
from textual.screen import Screen

from tui.crash import write_crash_report
from tui.db.tunnel import stop_all as stop_all_tunnels
from tui.key_order import KeyQueue, TypedText
from tui.messages import ConnectRequested
from tui.profiles import Profile, ProfileStore
from tui.screens.connect import ConnectScreen
from tui.screens.help import HelpScreen, key_sections
from tui.screens.picker import PickerScreen
from tui.screens.workspace import PANE_MODULES, WorkspaceScreen
from tui.secrets import KeyringUnavailable, PasswordVault, redact
from tui.services.connect import Connected
from tui.settings import Settings
from tui.themes import ANSI_THEME, DEFAULT_THEME, load_themes, terminal_has_few_colours
from tui.widgets.command_palette import SafeCommandPalette


def binding_ids() -> set[str]:
    """The id of every key binding bastion has (what a settings keymap may name).
    Imports every pane's module: blocking, for a worker."""
    for module in (*PANE_MODULES, "tui.screens.fleet"):
        importlib.import_module(module)
    ids: set[str] = set()
    classes: list[type] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        if cls.__module__.startswith("tui."):
            ids.update(b.id for b in vars(cls).get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


class BastionApp(App[None]):
    """Profile picker first; a workspace per connection on top of it."""

    class KeymapChecked(Message):
        """The settings keymap's binding ids were checked: these name no binding."""

        def __init__(self, unknown: list[str]) -> None:
            super().__init__()
            self.unknown = unknown

    CSS_PATH = Path(__file__).resolve().parent / "bastion.tcss"
    TITLE = "bastion"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("question_mark", "help", "Help", show=False, id="app.help_alt"),
    ]

    def __init__(
        self,
        store: ProfileStore,
        vault: PasswordVault | None = None,
        settings: Settings | None = None,
        *,
        start_profile: Profile | None = None,
        theme_name: str | None = None,
        force_read_only: bool = False,
        environ: dict[str, str] | None = None,
        start_fleet: bool = False,
        fleet_group: str | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.vault = vault or PasswordVault()
        self.settings = settings or Settings()
        self.start_profile = start_profile
        self.requested_theme = theme_name
        self.force_read_only = force_read_only
        self.environ = environ
        self.start_fleet = start_fleet
        self.fleet_group = fleet_group
        self.crash_report: Path | None = None
        self._keyring_note_shown = False
        self._keys = KeyQueue(self)
        self.keymap = dict(self.settings.keymap)  # binding id → keys, from the settings file
        if self.keymap:
            self.set_keymap(self.keymap)
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # over a slow link every animated frame costs bytes

    def get_driver_class(self) -> type[Driver]:
        from textual.drivers.linux_driver import LinuxDriver

        from tui.terminal import TerminalDriver

        driver = super().get_driver_class()
        return TerminalDriver if driver is LinuxDriver else driver

    # -- keys in the order they were typed (see tui.key_order) -----------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (TypedText, events.Key, events.Paste)) and not self._has_screen():
            return  # a queued key released while the app closes: no screen to take it
        if isinstance(event, TypedText):
            self._keys.add_text(event.text)
        elif isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            if self._keys.admit(event):
                await super().on_event(event)
                self._keys.handled(event)
        elif isinstance(event, (events.Key, events.Paste)):
            await super().on_event(event)
            self._keys.back_at_app(event)
        else:
            await super().on_event(event)

    def _has_screen(self) -> bool:
        try:
            self.screen  # noqa: B018 - raises once the last screen is gone
        except (ScreenStackError, UnknownModeError):
            return False
        return True

    # -- start-up ----------------------------------------------------------------
    def on_mount(self) -> None:
        self._install_themes()
        for problem in self.settings.problems:
            self.notify(problem, severity="warning", timeout=12)
        if self.keymap:
            self._check_keymap(set(self.keymap))
        self.push_screen(PickerScreen())
        if self.start_profile is not None:
            self.connect(self.start_profile)
        elif self.start_fleet:
            self.action_fleet(self.fleet_group)

    @work(thread=True, group="keymap", exit_on_error=False)
    def _check_keymap(self, wanted: set[str]) -> None:
        unknown = sorted(wanted - binding_ids())
        if unknown:
            self.post_message(self.KeymapChecked(unknown))

    def on_bastion_app_keymap_checked(self, message: KeymapChecked) -> None:
        where = self.settings.path or "settings"
        for binding_id in message.unknown:
            self.notify(f"{where}: keymap: '{binding_id}' names no key binding of bastion; ignored",
                        severity="warning", timeout=12)
        self.keymap = {k: v for k, v in self.keymap.items() if k not in message.unknown}
        self.set_keymap(self.keymap)

    def on_unmount(self) -> None:
        # The workspace closes its connection in a worker, which an exiting app may
        # never run: no ssh tunnel outlives the app, whatever the screens got to do.
        stop_all_tunnels()

    def _install_themes(self) -> None:
        found = load_themes()
        for theme in found.themes:
            self.register_theme(theme)
        for warning in found.warnings:
            self.notify(warning, severity="warning", timeout=8)
        names = set(self.available_themes)
        wanted = self.requested_theme or self.settings.theme
        if wanted and wanted not in names:
            self.notify(f"Unknown theme '{wanted}': using {DEFAULT_THEME}.", severity="warning")
            wanted = None
        if wanted is None:
            few_colours = self.no_color or terminal_has_few_colours(self.environ)
            wanted = ANSI_THEME if few_colours and ANSI_THEME in names else DEFAULT_THEME
        if wanted in names:
            self.theme = wanted
        self._match_no_color_filter()
        self.theme_changed_signal.subscribe(self, self._remember_theme)

    def _remember_theme(self, theme: Any) -> None:
        self._match_no_color_filter()
        self.settings.theme = theme.name
        self._save_settings()

    @work(thread=True, group="settings", exit_on_error=False)
    def _save_settings(self) -> None:
        self.settings.save()

    def _match_no_color_filter(self) -> None:
        # Textual picks its NO_COLOR filter in App.__init__, before our theme is set:
        # NoColor suits an ANSI theme (Monochrome would draw ANSI colours as grey on grey).
        if not self.no_color:
            return
        self._filters = [f for f in self._filters if not isinstance(f, (NoColor, Monochrome))]
        self._filters.append(NoColor() if self.native_ansi_color else Monochrome())
        self.refresh(repaint=True, layout=False)

    # -- connecting ----------------------------------------------------------------
    def connect(self, profile: Profile) -> None:
        """Connect in the background; on success, open its workspace (instead of the
        open one: its Query pane's open transaction is asked about first)."""
        self._after_open_transaction("Switch profile", lambda: self._connect(profile))

    def _connect(self, profile: Profile) -> None:
        if self.force_read_only and not profile.read_only:
            profile = profile.with_changes(read_only=True)
        self.push_screen(
            ConnectScreen(profile, self.vault), lambda result: self._connected(profile, result)
        )

    def on_connect_requested(self, message: ConnectRequested) -> None:
        """The picker or the fleet screen asks for a workspace on a profile."""
        self.connect(message.profile)

    def _connected(self, profile: Profile, connected: Connected | None) -> None:
        if connected is None:
            return
        if connected.keyring_note and not self._keyring_note_shown:
            self._keyring_note_shown = True
            self.notify(connected.keyring_note, severity="warning", timeout=12)
        if connected.saved_to_keyring:
            self.notify("Password saved to the OS keyring.")
        self._pop_to_picker()
        self.push_screen(WorkspaceScreen(profile, connected.database))

    def _pop_to_picker(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, PickerScreen):
            self.pop_screen()

    @property
    def session_profiles(self) -> list[Profile]:
        """Profiles in memory only, not in the profiles file: the one bastion was
        started with (the demo, a URL), so the picker still leads back to it."""
        start = self.start_profile
        if start is None or self.store.profiles.get(start.name) == start:
            return []
        return [start]

    def action_picker(self) -> None:
        """Back to the profile list (closes the current connection; an open
        transaction in the Query pane is asked about first)."""
        self._after_open_transaction("Back to the profiles", self._to_picker)

    async def action_quit(self) -> None:
        """Quit; an open transaction in the Query pane is asked about first."""
        self._after_open_transaction("Quit", self.exit)

    def _after_open_transaction(self, leaving: str, then: Callable[[], None]) -> None:
        workspace = self._workspace()
        if workspace is None:
            then()
        else:
            workspace.leave_transaction_first(leaving, then)

    def _to_picker(self) -> None:
        self._pop_to_picker()
        if isinstance(self.screen, PickerScreen):
            self.screen.refresh_profiles()

    def action_fleet(self, group: str | None = None) -> None:
        """Every server of the profiles (or of one group) on one screen."""
        from tui.screens.fleet import FleetScreen
        from tui.services.fleet import FleetError, select_profiles

        if any(isinstance(screen, FleetScreen) for screen in self.screen_stack):
            return
        profiles = [self.store.profiles[name] for name in self.store.names() if name in self.store.profiles]
        profiles += [p for p in self.session_profiles if p.name not in self.store.profiles]  # the demo, ad hoc
        try:
            chosen = select_profiles(profiles, group)
        except FleetError as exc:
            self.notify(str(exc), severity="error", timeout=8)
            return
        if not chosen:
            self.notify("No profiles to watch: add one first.", severity="warning")
            return
        def open_fleet() -> None:
            self._pop_to_picker()
            self.push_screen(FleetScreen(chosen, self.vault, group))

        self._after_open_transaction("Open the fleet view", open_fleet)

    def action_reconnect(self) -> None:
        """A fresh connection in place: the workspace keeps its tabs, text and results."""
        workspace = self._workspace()
        if workspace is not None:
            workspace.reconnect_now()

    def _workspace(self) -> WorkspaceScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, WorkspaceScreen):
                return screen
        return None

    def _query_action(self, action: str) -> None:
        """A Query pane action from the palette (commit, roll back, the commit mode)."""
        workspace = self._workspace()
        panes = workspace.query("#query-pane") if workspace is not None else []
        for pane in panes:
            getattr(pane, f"action_{action}")()
            return
        self.notify("Open the Query pane (2) first.", severity="warning")

    def forget_password(self, profile_name: str) -> None:
        """Drop a profile's password from memory and (in a worker) the keyring."""
        self.vault.forget(profile_name)
        self._delete_from_keyring(profile_name)

    @work(thread=True, group="keyring", exit_on_error=False)
    def _delete_from_keyring(self, profile_name: str) -> None:
        try:
            self.vault.keyring.delete(profile_name)
        except KeyringUnavailable:
            pass

    # -- help and the command palette -------------------------------------------
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = key_sections([*self.BINDINGS, Binding("ctrl+p", "", "Command palette")])
        self.push_screen(HelpScreen(sections, self.keymap))

    def action_command_palette(self) -> None:
        # Check the whole stack: a second ctrl+p can arrive before the first palette
        # is the active screen. No id: a closing palette may still hold it.
        if self.use_command_palette and not any(isinstance(s, CommandPalette) for s in self.screen_stack):
            self.push_screen(SafeCommandPalette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # Textual's "Theme" opens a nested palette without our hardening, and
            # lists every built-in theme: bastion's own are offered below instead.
            if command.title != "Theme":
                yield command
        yield SystemCommand("Profiles", "Back to the profile list", self.action_picker)
        yield SystemCommand("Fleet", "Every server of the profiles on one screen", self.action_fleet)
        if self._workspace() is not None:
            yield SystemCommand("Reconnect", "A fresh connection; tabs, text and results stay", self.action_reconnect)
            yield from (SystemCommand(*command) for command in self._workspace().transfer_commands())  # type: ignore[union-attr]
            for title, help_text, action in (
                ("Manual commit on/off", "Query: autocommit or manual commit (remembered per profile)",
                 "toggle_autocommit"),
                ("Commit", "Query: commit the open transaction (asks first)", "commit"),
                ("Roll back", "Query: roll back the open transaction", "rollback"),
                ("Close editor tab", "Query: close the editor tab (alt+w); its text goes to the history",
                 "close_tab"),
            ):
                yield SystemCommand(title, help_text, lambda a=action: self._query_action(a))  # type: ignore[misc]
        workspace = self._workspace()
        if workspace is not None and workspace.database.info.kind == "postgresql":
            yield SystemCommand("Switch database", "The server's databases in the sidebar: enter opens one "
                                "with this profile", workspace.show_databases)
        if workspace is not None:
            from tui.widgets.query.saved_commands import saved_query_commands

            yield from saved_query_commands(workspace)
        for _name, profile in sorted(self.store.profiles.items()):
            yield SystemCommand(
                f"Switch to {profile.title}", profile.target(),
                lambda p=profile: self.connect(p),  # type: ignore[misc]
            )
        for name in sorted(self.available_themes):
            if name.startswith("bastion-"):
                yield SystemCommand(f"Theme: {name}", "Use this theme (remembered)",
                                    lambda n=name: setattr(self, "theme", n))  # type: ignore[misc]

    # -- unexpected errors ---------------------------------------------------------
    def _handle_exception(self, error: Exception) -> None:
        self.crash_report = write_crash_report(error, self.vault.known_secrets())
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        # Textual's default prints a traceback with local variables, which may hold
        # passwords: print a short, redacted summary and point at the report instead.
        error = self._exception
        summary = redact(f"{type(error).__name__}: {error}", self.vault.known_secrets())
        where = f"A crash report (passwords redacted) is at {self.crash_report}" if self.crash_report \
            else "No crash report could be written."
        self.bell()
        self._exit_renderables.append(Text(f"bastion stopped on an unexpected error: {summary}\n{where}"))
        self._close_messages_no_wait()
