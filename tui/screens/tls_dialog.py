"""The picker's TLS advice: for a profile's host, the managed provider behind it,
the CA to download and where it is documented; a downloaded CA file (or `system`)
is accepted into `sslrootcert` with `sslmode: verify-full`."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Static

from tui.profiles import Profile
from tui.profiles.providers import provider_for, suggested_rootcert, system_store_supported, tls_advice
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput

_PEM_MARK = b"-----BEGIN CERTIFICATE-----"
_MAX_CA_BYTES = 4 * 1024 * 1024  # the RDS global bundle is ~160 KB


def ca_file_problem(value: str, libpq_version: int) -> str | None:
    """Why `value` cannot be the sslrootcert, or None. Reads the file: call off the UI thread."""
    if not value:
        return "Give the path of the CA file you downloaded (or `system`)."
    if value == "system":
        return None if system_store_supported(libpq_version) else (
            "sslrootcert=system needs libpq 16 or later: give the OS bundle's path instead.")
    path = Path(value).expanduser()
    try:
        if path.stat().st_size > _MAX_CA_BYTES:
            return f"{value} is too big for a CA bundle: is it the right file?"
        data = path.read_bytes()
    except OSError as exc:
        return f"Cannot read {value}: {exc.strerror or exc}."
    if _PEM_MARK not in data:
        return f"{value} holds no PEM certificate (-----BEGIN CERTIFICATE-----): download the CA again."
    return None


def advice_lines(profile: Profile, libpq_version: int) -> list[str]:
    """What the dialog says about this profile's TLS."""
    now = f"Now: sslmode {profile.sslmode or 'prefer (libpq default)'}" + (
        f", sslrootcert {profile.sslrootcert}" if profile.sslrootcert else "")
    provider = provider_for(profile.host)
    if provider is not None:
        return [now, *tls_advice(provider, libpq_version)]
    return [now, "No managed provider recognised from the host name.",
            "Ask whoever runs the server for the CA certificate that signed it, save it under ~/.postgresql/",
            "and set sslrootcert to it; then sslmode: verify-full checks the CA and the host name."]


class TlsAdviceDialog(Dialog[Profile]):
    """Returns the profile with `verify-full` and the accepted `sslrootcert` (None on esc)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="tls.cancel"),
        Binding("ctrl+s", "accept", "Use with verify-full", id="tls.accept"),
    ]

    class Checked(Message):
        """The CA file was checked: `problem` is None when it can be used."""

        def __init__(self, value: str, problem: str | None) -> None:
            super().__init__()
            self.value = value
            self.problem = problem

    def __init__(self, profile: Profile, libpq_version: int) -> None:
        super().__init__()
        self.profile = profile
        self.libpq_version = libpq_version

    def compose(self) -> ComposeResult:
        provider = provider_for(self.profile.host)
        initial = self.profile.sslrootcert or (suggested_rootcert(provider, self.libpq_version) if provider else "")
        with Vertical(classes="dialog", id="tls-dialog"):
            yield Label(f"Verify the server: {self.profile.title}", classes="dialog-title", markup=False)
            yield Static(self.profile.target(), classes="dialog-note", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("\n".join(advice_lines(self.profile, self.libpq_version)), id="tls-advice",
                             classes="dialog-body", markup=False)
            yield Static("sslrootcert (the CA file you downloaded, or system):", markup=False)
            yield SteadyInput(initial, id="tls-rootcert")
            yield Static("", id="tls-error", classes="dialog-error", markup=False)
            yield Static("ctrl+s / enter use it with sslmode verify-full · esc cancel", classes="dialog-keys")

    def on_mount(self) -> None:
        if not self.closing:
            self.query_one("#tls-rootcert", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    def action_accept(self) -> None:
        self._check(self.query_one("#tls-rootcert", Input).value.strip())

    @work(thread=True, exclusive=True, group="tls-ca-check", exit_on_error=False)
    def _check(self, value: str) -> None:
        self.post_message(self.Checked(value, ca_file_problem(value, self.libpq_version)))

    def on_tls_advice_dialog_checked(self, event: TlsAdviceDialog.Checked) -> None:
        if self.closing:
            return
        if event.problem is not None:
            self.query_one("#tls-error", Static).update(event.problem)
            return
        self.dismiss(self.profile.with_changes(sslmode="verify-full", sslrootcert=event.value))

    def action_cancel(self) -> None:
        self.dismiss(None)
