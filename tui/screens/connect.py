"""Connecting, with progress, cancel, password prompts and clear failures."""

from __future__ import annotations

import threading

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, LoadingIndicator, Static
from textual.worker import get_current_worker

from tui.db import ConnectFailure
from tui.profiles import Profile
from tui.screens.password import PasswordScreen
from tui.secrets import PasswordVault, redact
from tui.services.connect import Connected, connect_first_try, connect_with_password
from tui.widgets.dialogs.dialog import Dialog


class ConnectScreen(Dialog[Connected | None]):
    """Runs the connection in a worker; returns Connected, or None if abandoned."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("r", "retry", "Retry", show=False),
    ]

    class Attempted(Message, bubble=False):
        """The connect worker finished: connected, or the error that stopped it."""

        def __init__(self, connected: Connected | None, error: BaseException | None = None) -> None:
            super().__init__()
            self.connected = connected
            self.error = error

    def __init__(self, profile: Profile, vault: PasswordVault) -> None:
        super().__init__()
        self.profile = profile
        self.vault = vault
        self._failed = False
        self._typed_password: str | None = None
        self._abandoned = threading.Event()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="connect-dialog"):
            yield Label(f"Connecting to {self.profile.title}", classes="dialog-title", markup=False)
            yield Static(self.profile.target(), classes="dialog-body", markup=False)
            yield LoadingIndicator(id="connect-progress")
            yield Static("", id="connect-step", classes="dialog-note", markup=False)
            yield Static("", id="connect-error", classes="dialog-error", markup=False)
            yield Static("", id="connect-hint", classes="dialog-note", markup=False)
            yield Static("esc cancel", id="connect-keys", classes="dialog-keys")

    def on_mount(self) -> None:
        self._start(None)

    def _start(self, password: str | None) -> None:
        if self._abandoned.is_set() or self.closing or not self.query("#connect-progress"):
            # Closed before it could start (esc pressed at once), or popped with the
            # screens above the picker while mounting (its widgets already gone).
            return
        self._failed = False
        self._typed_password = password
        self.query_one("#connect-progress").display = True
        self.query_one("#connect-step", Static).update("")
        self.query_one("#connect-error", Static).update("")
        self.query_one("#connect-hint", Static).update("")
        self.query_one("#connect-keys", Static).update("esc cancel")
        self._connect(password)

    @work(thread=True, group="connect", exclusive=True, exit_on_error=False)
    def _connect(self, password: str | None) -> None:
        # A libpq connect cannot be interrupted, so a cancelled attempt is left to
        # finish and its connection closed here.
        steps = {"progress": self._step_from_thread, "cancelled": self._abandoned}
        try:
            if password is None:
                connected = connect_first_try(self.profile, self.vault, **steps)
            else:
                connected = connect_with_password(self.profile, self.vault, password, **steps)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, whatever it is
            if not get_current_worker().is_cancelled:
                self.post_message(self.Attempted(None, exc))
            return
        if self._abandoned.is_set():
            connected.database.close()
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Attempted(connected))

    def _step_from_thread(self, text: str) -> None:
        if not self._abandoned.is_set():
            self.app.call_from_thread(self._show_step, text)

    def _show_step(self, text: str) -> None:
        if self.is_attached:
            self.query_one("#connect-step", Static).update(text)

    def on_connect_screen_attempted(self, event: Attempted) -> None:
        if event.error is not None:
            self._handle_failure(event.error)
        elif event.connected is not None and not self._abandoned.is_set():
            self.dismiss(event.connected)

    def _handle_failure(self, error: BaseException | None) -> None:
        if not self.is_attached or not self.query("#connect-progress"):
            return
        if isinstance(error, ConnectFailure) and error.wants_password:
            if self._typed_password is not None:
                message = "That password was rejected. Try again (it was not saved)."
            elif error.kind == "auth":
                message = "The saved password was rejected."
            else:
                message = ""
            note = ""
            if self.profile.password == "keyring":
                note = "Saved to the OS keyring once it works."
                if self.vault.keyring.unavailable is not None:
                    note = self.vault.keyring.unavailable.advice
            self.app.push_screen(
                PasswordScreen(self.profile.target(), message, note), self._password_given
            )
            return
        self._failed = True
        self.query_one("#connect-progress").display = False
        self.query_one("#connect-step", Static).update("")
        if isinstance(error, ConnectFailure):
            text, hint = error.message, error.hint
        else:
            text, hint = f"Unexpected error: {type(error).__name__}: {error}", ""
        secrets = self.vault.known_secrets()
        self.query_one("#connect-error", Static).update(redact(text, secrets))
        self.query_one("#connect-hint", Static).update(redact(hint, secrets))
        self.query_one("#connect-keys", Static).update("r retry · esc close")

    def _password_given(self, password: str | None) -> None:
        if password is None:
            self.action_cancel()
        else:
            self._start(password)

    def action_retry(self) -> None:
        if self._failed:
            self._start(None)

    def action_cancel(self) -> None:
        self._abandoned.set()
        self.dismiss(None)
