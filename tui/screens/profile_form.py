"""Add or edit a profile with the same validation the YAML file gets."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from tui.profiles import (
    DRIVERS,
    PASSWORD_SOURCES,
    SSLMODES,
    Problem,
    Profile,
    name_problem,
    parse_profile,
    profile_to_dict,
)
from tui.widgets.dialogs.dialog import Dialog
from tui.widgets.steady_input import SteadyInput
from tui.widgets.steady_select import SteadySelect

# (key, label, placeholder) for the text fields, in the order shown.
TEXT_FIELDS: list[tuple[str, str, str]] = [
    ("label", "Label", "shown in the header (optional)"),
    ("host", "Host", "db.example.internal, or empty for PGHOST/socket"),
    ("port", "Port", "5432"),
    ("database", "Database", "app"),
    ("user", "User", "app_user"),
    ("service", "Service", "name in pg_service.conf (optional)"),
    ("sslrootcert", "SSL root cert", "~/.postgresql/provider-ca.pem"),
    ("sslcert", "Client cert", "~/.postgresql/client.crt (optional)"),
    ("sslkey", "Client key", "~/.postgresql/client.key (optional)"),
    ("statement_timeout", "Statement timeout", "30s"),
    ("path", "SQLite file", "/path/to/app.db"),
]
# The ssh tunnel's keys the form shows (`ssh.<key>`); `jump` and `options` are kept as they are.
SSH_FIELDS: list[tuple[str, str, str]] = [
    ("host", "SSH jump host", "alias from ~/.ssh/config, or empty: no tunnel"),
    ("user", "SSH user", "(optional)"),
    ("port", "SSH port", "22"),
    ("identity_file", "SSH key", "~/.ssh/id_ed25519 (optional: the agent's keys)"),
]


class ProfileFormScreen(Dialog[Profile | None]):
    """Returns the validated profile, or None if cancelled. Keys the form does not
    show (ssh, migrations, unknown ones) are kept from the original."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, original: Profile | None, taken_names: set[str]) -> None:
        super().__init__()
        self.original = original
        self.taken_names = taken_names - ({original.name} if original else set())

    def compose(self) -> ComposeResult:
        p = self.original
        with Vertical(classes="dialog", id="profile-form"):
            yield Label("Edit profile" if p else "New profile", classes="dialog-title")
            yield Static("", id="form-errors", classes="dialog-error", markup=False)
            with VerticalScroll(id="form-fields"):
                yield self._row("name", "Name", SteadyInput(p.name if p else "", placeholder="staging", id="f-name"))
                yield self._row(
                    "driver", "Driver",
                    SteadySelect([(d, d) for d in DRIVERS], value=p.driver if p else "postgresql",
                           allow_blank=False, id="f-driver"),
                )
                for key, label, placeholder in TEXT_FIELDS:
                    value = getattr(p, key) if p else None
                    text = "" if value is None else str(value)
                    yield self._row(key, label, SteadyInput(text, placeholder=placeholder, id=f"f-{key}"))
                ssh = p.ssh if p else None
                for key, label, placeholder in SSH_FIELDS:
                    value = getattr(ssh, key) if ssh else None
                    text = "" if value is None else str(value)
                    yield self._row(f"ssh-{key}", label,
                                    SteadyInput(text, placeholder=placeholder, id=f"f-ssh-{key}"))
                yield self._row(
                    "sslmode", "SSL mode",
                    SteadySelect([(m, m) for m in SSLMODES], value=(p.sslmode if p and p.sslmode else Select.NULL),
                           prompt="libpq default (prefer)", id="f-sslmode"),
                )
                yield self._row(
                    "password", "Password from",
                    SteadySelect([(s, s) for s in PASSWORD_SOURCES], value=p.password if p else "keyring",
                           allow_blank=False, id="f-password"),
                )
                with Horizontal(classes="form-row"):
                    yield Static("", classes="form-label")
                    yield Checkbox("Read-only (enforced by the server)", p.read_only if p else False, id="f-read_only")
                with Horizontal(classes="form-row"):
                    yield Static("", classes="form-label")
                    yield Checkbox("Production (red accent, confirmations)", p.production if p else False,
                                   id="f-production")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", variant="primary", id="form-save")
                yield Button("Cancel", id="form-cancel")
            yield Static("ctrl+s save · esc cancel · tab next field", classes="dialog-keys")

    @staticmethod
    def _row(key: str, label: str, widget: Any) -> Horizontal:
        return Horizontal(Static(label, classes="form-label"), widget, classes="form-row", id=f"row-{key}")

    def on_mount(self) -> None:
        # A key storm may dismiss the form between its compose and this Mount
        # (random keys, seed 3): then there is nothing left to focus.
        if not self.closing:
            for field in self.query("#f-name").results(Input):
                field.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "form-save":
            self.action_save()
        else:
            self.action_cancel()

    def _read_fields(self, into: dict[str, Any], fields: list[tuple[str, str, str]], id_prefix: str) -> None:
        """Copy the text fields into `into`; an empty field removes its key."""
        for key, _label, _placeholder in fields:
            text = self.query_one(f"#{id_prefix}{key}", Input).value.strip()
            if text:
                into[key] = text
            else:
                into.pop(key, None)

    def _form_values(self) -> tuple[str, dict[str, Any]]:
        raw: dict[str, Any] = profile_to_dict(self.original) if self.original else {}
        name = self.query_one("#f-name", Input).value.strip()
        raw["driver"] = self.query_one("#f-driver", Select).value
        self._read_fields(raw, TEXT_FIELDS, "f-")
        ssh = dict(raw.get("ssh") or {}) if isinstance(raw.get("ssh"), dict) else {}
        self._read_fields(ssh, SSH_FIELDS, "f-ssh-")
        if ssh:
            raw["ssh"] = ssh
        else:
            raw.pop("ssh", None)
        sslmode = self.query_one("#f-sslmode", Select).value
        if sslmode == Select.NULL or sslmode is None:
            raw.pop("sslmode", None)
        else:
            raw["sslmode"] = sslmode
        raw["password"] = self.query_one("#f-password", Select).value
        for flag in ("read_only", "production"):
            raw[flag] = self.query_one(f"#f-{flag}", Checkbox).value
        if raw["driver"] == "sqlite":
            for key in ("host", "port", "database", "user", "service", "sslrootcert", "sslcert", "sslkey",
                        "sslmode", "ssh"):
                raw.pop(key, None)
        return name, raw

    def validate(self) -> tuple[Profile | None, list[Problem]]:
        """The profile the form describes, or the problems that prevent it."""
        name, raw = self._form_values()
        problems: list[Problem] = []
        if (bad_name := name_problem(name)) is not None:
            problems.append(Problem(None, None, name or None, "name", bad_name))
        elif name in self.taken_names:
            problems.append(Problem(None, None, name, "name", "another profile already has this name"))
        profile, found = parse_profile(name if bad_name is None else "new", raw)
        problems += [p for p in found if p.severity == "error"]
        return (None if problems else profile), problems

    def action_save(self) -> None:
        profile, problems = self.validate()
        for row in self.query(".form-row"):
            row.remove_class("-invalid")
        if profile is not None:
            self.dismiss(profile)
            return
        lines = []
        for problem in problems:
            key = problem.key or ""
            lines.append(f"{key or 'profile'}: {problem.message}")
            row_id = key.replace(".", "-") if key.startswith("ssh.") else key.split(".")[0]
            for row in self.query(f"#row-{row_id}"):
                row.add_class("-invalid")
        self.query_one("#form-errors", Static).update("\n".join(lines))

    def action_cancel(self) -> None:
        self.dismiss(None)
