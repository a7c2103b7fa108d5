"""The first screen: pick, add, edit, test or delete a connection profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui.db import Database
from tui.db.link import in_background
from tui.messages import ConnectRequested
from tui.profiles import Profile, ProfileFileError, ProfileStore
from tui.screens.connect import ConnectScreen
from tui.screens.import_dialog import ImportDialog
from tui.screens.profile_form import ProfileFormScreen
from tui.screens.tls_dialog import TlsAdviceDialog
from tui.secrets import PasswordVault
from tui.services.connect import Connected
from tui.services.query.autosave import move_autosaves
from tui.services.query.history import move_history
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.dialogs.message import MessageScreen
from tui.widgets.profile_writer import ProfileWriter
from tui.widgets.row_key import highlighted_key

if TYPE_CHECKING:
    from tui.profiles.imports.plan import ImportPlan  # psycopg: loaded on the first import only


def profile_flags(profile: Profile) -> Text:
    """Badges for a profile row: production, read-only, weak TLS."""
    parts = []
    if profile.production:
        parts.append(Text("PROD", style="bold white on red"))
    if profile.read_only:
        parts.append(Text("RO", style="bold black on yellow"))
    if profile.ssh:
        parts.append(Text("ssh", style="dim"))
    if profile.tls_unverified:
        parts.append(Text("tls?", style="dim"))
    return Text(" ", justify="left").join(parts)


def connection_route(database: Database) -> list[str]:
    """How the connection travels: the ssh tunnel and TLS (lines for the test result)."""
    transport = database.transport()
    lines = []
    if transport.tunnel is not None:
        lines.append(f"SSH tunnel: {transport.tunnel}")
    if transport.tls is not None:
        if transport.tls:
            lines.append(f"TLS: yes, certificate {'verified' if transport.tls_verified else 'NOT verified'} "
                         f"(sslmode={transport.sslmode or 'prefer'})")
        else:
            lines.append("TLS: no")
    return lines


# Row keys of the app's session profiles: apart from the file's profile names.
SESSION_KEY = "\0session:"


def carry_over_rename(vault: PasswordVault, old_name: str, new_name: str) -> None:
    """What belongs to a profile by name follows its rename: the saved password (the
    old keyring entry is deleted), the editor tabs and the history (its own and each
    switched-to database's). Blocking."""
    from tui.services.databases import switched_storage_keys

    vault.rename(old_name, new_name)
    move_autosaves(old_name, new_name)
    move_history(old_name, new_name)
    for key in switched_storage_keys(old_name):  # the databases switched to: `old__db__reports`
        renamed = new_name + key[len(old_name):]
        move_autosaves(key, renamed)
        move_history(key, renamed)


class ProfileHost(Protocol):
    """What the picker needs of the app that shows it (the app is one; the picker
    never imports it: connecting is a `ConnectRequested` message)."""

    store: ProfileStore
    vault: PasswordVault

    @property
    def session_profiles(self) -> list[Profile]: ...

    def forget_password(self, profile_name: str) -> None: ...


class PickerScreen(Screen[None]):
    """Lists the profiles from the profiles file, with its problems below."""

    BINDINGS = [
        Binding("enter", "connect", "Connect", priority=False, id="picker.connect"),
        Binding("a", "add", "Add", id="picker.add"),
        Binding("e", "edit", "Edit", id="picker.edit"),
        Binding("d", "delete", "Delete", id="picker.delete"),
        Binding("t", "test", "Test", id="picker.test"),
        Binding("i", "import_connections", "Import", show=False, id="picker.import"),
        Binding("v", "tls_advice", "Verify TLS", show=False, id="picker.tls_advice"),
        Binding("f", "app.fleet", "Fleet", id="picker.fleet"),
        Binding("r", "reload", "Reload", show=False, id="picker.reload"),
        Binding("q", "app.quit", "Quit", show=False, id="picker.quit"),
    ]

    class Imported(Message):
        """An import was saved: one line per profile created."""

        def __init__(self, outcomes: list[str], select: str | None) -> None:
            super().__init__()
            self.outcomes = outcomes
            self.select = select

    class ImportFailed(Message):
        """An import could not be saved; nothing was."""

        def __init__(self, message: str) -> None:
            super().__init__()
            self.message = message

    @property
    def bastion(self) -> ProfileHost:
        return cast(ProfileHost, self.app)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static("", id="picker-title")
            yield DataTable(id="profile-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="picker-empty", markup=False)
            yield Static("", id="picker-problems", markup=False)
        yield ProfileWriter()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#profile-table", DataTable)
        table.add_columns("Profile", "Flags", "Driver", "Target")
        self.refresh_profiles()

    def refresh_profiles(self, select: str | None = None) -> None:
        store = self.bastion.store
        title = Text.assemble(("bastion", "bold"), " · connection profiles · ", (str(store.path), "dim"))
        self.query_one("#picker-title", Static).update(title)
        table = self.query_one("#profile-table", DataTable)
        previous = select or self.selected_name()
        table.clear()
        for profile in self.bastion.session_profiles:
            label = Text(profile.title, style="bold", justify="left")
            flags = Text(" ").join(f for f in (profile_flags(profile), Text("this session", style="dim")) if f)
            table.add_row(label, flags, profile.driver, profile.target(), key=SESSION_KEY + profile.name)
        for name in store.names():
            profile = store.profiles.get(name)
            if profile is None:
                invalid = Text("invalid: see problems below", style="red", justify="left")
                table.add_row(Text(name, style="bold", justify="left"), "", "", invalid, key=name)
            else:
                label = Text(profile.title, style="bold red" if profile.production else "bold", justify="left")
                table.add_row(label, profile_flags(profile), profile.driver, profile.target(), key=name)
        session_keys = [SESSION_KEY + p.name for p in self.bastion.session_profiles]
        if previous in store.names() or previous in session_keys:
            table.move_cursor(row=table.get_row_index(previous))
        empty = self.query_one("#picker-empty", Static)
        empty.display = table.row_count == 0 and store.file_error is None
        empty.update(
            "No profiles yet.\n\n"
            "  a            add one here\n"
            "  i            import a URL, psql line, .env or docker-compose.yml\n"
            "  bastion profiles import 'postgresql://user@host/db'   from a shell\n"
            "  bastion demo  try bastion on a throwaway database"
        )
        problems = []
        if store.file_error is not None:
            problems.append(f"Cannot use {store.path}: {store.file_error.message}"
                            + (f" (line {store.file_error.line}, column {store.file_error.column})"
                               if store.file_error.line else "")
                            + "\nFix the file and press r. It will not be overwritten until then.")
        problems += [f"{'error' if p.severity == 'error' else 'warning'}: {p}" for p in store.problems]
        panel = self.query_one("#picker-problems", Static)
        panel.display = bool(problems)
        panel.update("\n".join(problems))
        table.focus()

    def selected_name(self) -> str | None:
        return highlighted_key(self.query_one("#profile-table", DataTable))

    def selected_session_profile(self) -> Profile | None:
        """The selected row's profile when it is one of the app's session profiles."""
        name = self.selected_name()
        if name is None or not name.startswith(SESSION_KEY):
            return None
        return next((p for p in self.bastion.session_profiles if SESSION_KEY + p.name == name), None)

    def selected_profile(self) -> Profile | None:
        name = self.selected_name()
        if name is None:
            return None
        if name.startswith(SESSION_KEY):
            return self.selected_session_profile()
        profile = self.bastion.store.profiles.get(name)
        if profile is None:
            errors = [str(p) for p in self.bastion.store.errors() if p.profile == name]
            self.app.push_screen(MessageScreen(f"Profile '{name}' is invalid", "\n".join(errors), error=True))
        return profile

    # -- actions ---------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_connect()

    def action_connect(self) -> None:
        profile = self.selected_profile()
        if profile is not None:
            self.post_message(ConnectRequested(profile))

    def action_add(self) -> None:
        self._open_form(None)

    def _refuse_session_profile(self) -> bool:
        """Edit and delete are for the profiles file; a session profile is not in it."""
        profile = self.selected_session_profile()
        if profile is not None:
            self.app.notify(f"'{profile.title}' is not in the profiles file: it lasts this session only.",
                            severity="warning")
        return profile is not None

    def action_edit(self) -> None:
        if self._refuse_session_profile():
            return
        profile = self.selected_profile()
        if profile is not None:
            self._open_form(profile)

    def _open_form(self, original: Profile | None) -> None:
        if not self._can_write():
            return

        def saved(profile: Profile | None) -> None:
            if profile is None:
                return
            if original is not None and profile.name != original.name and original.production:
                self._confirm_production_rename(original, profile)
            else:
                self._save(profile, original)

        self.app.push_screen(ProfileFormScreen(original, set(self.bastion.store.names())), saved)

    def _confirm_production_rename(self, original: Profile, profile: Profile) -> None:
        """A production profile is renamed only when its old name is typed."""
        body = (f"Rename production profile '{original.name}' to '{profile.name}'?\n"
                "Its saved password, editor tabs and history move to the new name.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._save(profile, original)
            else:
                self.app.notify("Not renamed: nothing was saved.")

        self.app.push_screen(ConfirmScreen("Rename profile", body, require_text=original.name), answered)

    def _save(self, profile: Profile, original: Profile | None) -> None:
        """Write the profile (off the UI thread); after a rename, its password, tabs
        and history follow it."""
        def saved() -> None:
            if original is not None and profile.name != original.name:
                old, new = original.name, profile.name
                self._carry_over_rename(self.bastion.vault, old, new)
                self.app.notify(f"Renamed profile '{old}' to '{new}'.")
            else:
                self.app.notify(f"Saved profile '{profile.name}'.")
            self.refresh_profiles(select=profile.name)

        store = self.bastion.store
        replace_name = original.name if original else None
        self.query_one(ProfileWriter).write(lambda: store.put(profile, replace_name=replace_name), "Not saved", saved)

    @work(thread=True, group="rename", exit_on_error=False)
    def _carry_over_rename(self, vault: PasswordVault, old: str, new: str) -> None:
        carry_over_rename(vault, old, new)

    def _can_write(self) -> bool:
        if self.bastion.store.writable:
            return True
        self.app.notify("The profiles file has an error: fix it and press r first.", severity="error")
        return False

    def action_delete(self) -> None:
        name = self.selected_name()
        if name is None or self._refuse_session_profile() or not self._can_write():
            return
        profile = self.bastion.store.profiles.get(name)
        body = f"Delete profile '{name}' ({profile.target() if profile else 'invalid'})?\n" \
               "Its saved password is removed from the keyring too."
        require = name if profile is not None and profile.production else None

        def deleted() -> None:
            self.bastion.forget_password(name)
            self.app.notify(f"Deleted profile '{name}'.")
            self.refresh_profiles()

        def answered(yes: bool | None) -> None:
            if yes:
                store = self.bastion.store
                self.query_one(ProfileWriter).write(lambda: store.remove(name), "Not deleted", deleted)

        self.app.push_screen(ConfirmScreen("Delete profile", body, require_text=require), answered)

    def action_test(self) -> None:
        profile = self.selected_profile()
        if profile is None:
            return

        def tested(connected: Connected | None) -> None:
            if connected is None:
                return
            info = connected.database.info
            route = connection_route(connected.database)  # libpq's facts, read before the close
            in_background(connected.database.close, "bastion-test-close")
            lines = [
                f"Connected to {profile.target()}",
                f"Server: {info.product}",
                f"User: {info.current_user or '-'}   Database: {info.database or '-'}",
                f"Superuser: {'yes' if info.is_superuser else 'no'}   "
                f"Monitoring rights: {'yes' if info.can_monitor or info.is_superuser else 'no'}",
                f"Standby (in recovery): {'yes' if info.in_recovery else 'no'}",
                f"Read-only enforced: {'yes' if info.read_only else 'no'}",
                *route,
            ]
            self.app.push_screen(MessageScreen("Connection OK", "\n".join(lines)))

        self.app.push_screen(ConnectScreen(profile, self.bastion.vault), tested)

    def action_tls_advice(self) -> None:
        """The provider's CA and verify-full for the selected profile."""
        if self._refuse_session_profile() or not self._can_write():
            return
        profile = self.selected_profile()
        if profile is None:
            return
        if profile.is_sqlite:
            self.app.notify("A SQLite file has no TLS.")
            return
        import psycopg

        def accepted(changed: Profile | None) -> None:
            if changed is not None:
                self._save(changed, profile)

        self.app.push_screen(TlsAdviceDialog(profile, psycopg.pq.version()), accepted)

    def action_import_connections(self) -> None:
        """Paste a URL / DSN / psql line or name a file; preview; create."""
        if not self._can_write():
            return

        def chosen(plan: ImportPlan | None) -> None:
            if plan is not None and plan.profiles:
                self._carry_out_import(plan)

        self.app.push_screen(ImportDialog(set(self.bastion.store.names())), chosen)

    @work(thread=True, group="import", exit_on_error=False)
    def _carry_out_import(self, plan: ImportPlan) -> None:
        """Keyring calls can take seconds: off the UI thread."""
        from tui.profiles.imports.plan import carry_out

        try:
            outcomes = carry_out(plan, self.bastion.store, self.bastion.vault.keyring)
        except (OSError, ProfileFileError) as exc:
            self.post_message(self.ImportFailed(f"Nothing imported: {exc}"))
            return
        self.post_message(self.Imported(outcomes, plan.profiles[0].name))

    def on_picker_screen_imported(self, event: PickerScreen.Imported) -> None:
        self.refresh_profiles(select=event.select)
        self.app.notify("\n".join(event.outcomes), timeout=10)

    def on_picker_screen_import_failed(self, event: PickerScreen.ImportFailed) -> None:
        self.app.notify(event.message, severity="error", timeout=10)

    def action_reload(self) -> None:
        self.bastion.store.load()
        self.refresh_profiles()
        self.app.notify("Profiles reloaded.")
