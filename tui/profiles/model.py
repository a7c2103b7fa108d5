"""What a connection profile is: the small frozen dataclasses everyone imports.

Reading them from YAML is `tui.profiles.parse`; the file itself is `tui.profiles.store`.
Passwords never live here: see `tui.secrets`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DRIVERS = ("postgresql", "sqlite")
PASSWORD_SOURCES = ("keyring", "prompt", "pgpass", "env", "none")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
COLORS = ("red", "green", "yellow", "blue", "magenta", "cyan", "white")

MAX_NAME_LENGTH = 64  # names become keyring entries and file names: see parse.name_problem


class ProfileFileError(Exception):
    """The profiles file as a whole cannot be read (I/O error or malformed YAML)."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None):
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        where = f"{path}" + (f":{line}" if line else "") + (f":{column}" if column else "")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Problem:
    """One validation finding, located as precisely as the YAML allows."""

    path: Path | None
    line: int | None
    profile: str | None
    key: str | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = str(self.path) if self.path else "<profile>"
        if self.line:
            where += f":{self.line}"
        what = ""
        if self.profile:
            what += f" profile '{self.profile}'"
        if self.key:
            what += f", key '{self.key}'"
        return f"{where}:{what}: {self.message}" if what else f"{where}: {self.message}"


@dataclass(frozen=True)
class SshConfig:
    """How to tunnel to the database through a jump host with the system ssh."""

    host: str
    user: str | None = None
    port: int | None = None
    identity_file: str | None = None
    jump: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrationsConfig:
    """Where the Alembic project is and which version table to read."""

    config: str | None = None
    script_location: str | None = None
    version_table: str | None = None


@dataclass(frozen=True)
class Profile:
    """A named way to reach one database. Immutable: edits make a new Profile."""

    name: str
    driver: str = "postgresql"
    host: str | None = None
    port: int | None = None
    database: str | None = None
    user: str | None = None
    service: str | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None
    sslcert: str | None = None
    sslkey: str | None = None
    connect_timeout: int | None = None
    options: str | None = None
    search_path: str | None = None
    application_name: str | None = None
    password: str = "keyring"
    read_only: bool = False
    production: bool = False
    # Server-side prepared statements break behind transaction poolers (the next
    # transaction may run on another server): off unless the profile opts in.
    prepared_statements: bool = False
    group: str | None = None  # for the fleet view: `bastion fleet --group NAME`
    statement_timeout: str | None = None
    ssh: SshConfig | None = None
    migrations: MigrationsConfig | None = None
    path: str | None = None
    label: str | None = None
    color: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def title(self) -> str:
        """What the user calls this profile."""
        return self.label or self.name

    @property
    def is_sqlite(self) -> bool:
        return self.driver == "sqlite"

    def target(self) -> str:
        """`user@host:port/db` (or the SQLite path): never contains a password."""
        if self.is_sqlite:
            return self.path or "?"
        if self.service and not self.host:
            return f"service={self.service}" + (f"/{self.database}" if self.database else "")
        user = f"{self.user}@" if self.user else ""
        host = self.host or os.environ.get("PGHOST") or "localhost"
        if host.startswith("/"):
            host = "local socket"
        port = f":{self.port}" if self.port else ""
        db = f"/{self.database}" if self.database else ""
        via = f" via ssh {self.ssh.host}" if self.ssh else ""
        return f"{user}{host}{port}{db}{via}"

    @property
    def tls_unverified(self) -> bool:
        """A remote PostgreSQL host reached without checking its certificate (sslmode
        below verify-ca): worth a quiet badge, never a nag. Sockets and loopback are local."""
        if self.is_sqlite or self.service or self.sslmode in ("verify-ca", "verify-full"):
            return False
        host = self.host or os.environ.get("PGHOST") or ""
        local = not host or host.startswith("/") or host in ("localhost", "127.0.0.1", "::1")
        return not local

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)
