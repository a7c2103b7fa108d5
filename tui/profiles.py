"""Connection profiles: the model, YAML loading with precise errors, atomic saving.

A profiles file looks like::

    profiles:
      staging:
        host: db.example.internal
        database: app
        user: app_ro
        read_only: true

Passwords never live here: see `tui.secrets`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from tui.paths import atomic_write

DRIVERS = ("postgresql", "sqlite")
PASSWORD_SOURCES = ("keyring", "prompt", "pgpass", "env", "none")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
SSH_KEYS = ("host", "user", "port", "identity_file", "jump", "options")
MIGRATIONS_KEYS = ("config", "script_location", "version_table")
COLORS = ("red", "green", "yellow", "blue", "magenta", "cyan", "white")

PROFILE_FILE_ENV = "BASTION_PROFILES"
MAX_NAME_LENGTH = 64
# Names become keyring entries and file names (editor tabs, history): keep them plain.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# A profiles file is a few kilobytes; a bigger one is the wrong file (a dump, a log)
# and would take seconds and much memory to parse.
MAX_PROFILES_FILE_BYTES = 256 * 1024  # ~1,500 profiles; parsed in about half a second
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


# ---------------------------------------------------------------------------
# Reading: YAML with line numbers
# ---------------------------------------------------------------------------


def _compose(text: str, path: Path) -> tuple[Any, dict[tuple[str, ...], int]]:
    """Parse YAML, returning the data and the line of every mapping key by path."""
    # libyaml (when PyYAML has it) parses ~20x faster; the text is parsed once and
    # the data built from the same node tree.
    loader = _SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise ProfileFileError(path, f"malformed YAML: {exc.problem or exc}", line, column) from None
    except yaml.YAMLError as exc:
        raise ProfileFileError(path, f"malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = (*prefix, str(key_node.value))
                lines[key] = key_node.start_mark.line + 1
                walk(value_node, key)

    if root is not None:
        walk(root, ())
    return data, lines


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a profile, or None if it can."""
    if not name:
        return "a profile needs a name"
    if len(name) > MAX_NAME_LENGTH:
        return f"a name has at most {MAX_NAME_LENGTH} characters (this one has {len(name)})"
    if not NAME_PATTERN.match(name):
        return "use letters, digits, '.', '_' or '-' (starting with a letter or digit)"
    return None


# What PostgreSQL takes for a time setting: a number of milliseconds, or a number
# with one of these units (case matters), as in SET statement_timeout = '30s'.
_TIMEOUT = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>us|ms|s|min|h|d)?\s*$")
_TIMEOUT_UNIT_MS = {"us": 0.001, "ms": 1, None: 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_MAX_TIMEOUT_MS = 2**31 - 1  # the server's limit (an int of milliseconds, ~24 days)


def statement_timeout_problem(value: Any) -> str | None:
    """Why PostgreSQL would refuse `value` as statement_timeout, or None if it takes it."""
    match = _TIMEOUT.match(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if match is None:
        return (f"expected milliseconds or a number with a unit (us, ms, s, min, h, d), "
                f"0 for none, e.g. 30s; got {value!r}")
    if float(match["number"]) * _TIMEOUT_UNIT_MS[match["unit"]] > _MAX_TIMEOUT_MS:
        return f"{value!r} is longer than PostgreSQL allows (about 24 days); 0 means no limit"
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "true", "on", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("no", "false", "off", "0"):
        return False
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_STRING_KEYS = (
    "host", "database", "user", "service", "sslrootcert", "sslcert", "sslkey", "options",
    "search_path", "application_name", "path", "label", "group",
)
_KNOWN_KEYS = {f.name for f in fields(Profile)} - {"name", "extra"}


def parse_profile(
    name: str,
    raw: Any,
    path: Path | None = None,
    lines: dict[tuple[str, ...], int] | None = None,
) -> tuple[Profile | None, list[Problem]]:
    """Turn one YAML mapping into a Profile, or explain precisely what is wrong.

    Returns the profile (None if any error) and the problems found (warnings
    for unknown keys do not prevent the profile from loading).
    """
    lines = lines or {}
    problems: list[Problem] = []

    def problem(key: str | None, message: str, severity: str = "error") -> None:
        line = lines.get(("profiles", name, key) if key else ("profiles", name))
        problems.append(Problem(path, line, name, key, message, severity))

    if (bad_name := name_problem(name)) is not None:
        problem(None, f"bad profile name: {bad_name}")
    if not isinstance(raw, dict):
        problem(None, f"expected a mapping of keys, got {type(raw).__name__}")
        return None, problems
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key not in _KNOWN_KEYS:
            extra[key] = value
            problem(key, "unknown key (kept as is, ignored)", "warning")
            continue
        if value is None:
            continue
        if key in _STRING_KEYS:
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                problem(key, f"expected text, got {type(value).__name__}")
                continue
            values[key] = str(value)
        elif key == "driver":
            if value not in DRIVERS:
                problem(key, f"unknown driver {value!r}: expected one of {', '.join(DRIVERS)}")
                continue
            values[key] = value
        elif key == "port":
            number = _as_int(value)
            if number is None or not 0 < number <= 65535:
                problem(key, f"expected a port number from 1 to 65535, got {value!r}")
                continue
            values[key] = number
        elif key == "connect_timeout":
            number = _as_int(value)
            if number is None or number < 0:
                problem(key, f"expected a whole number of seconds, got {value!r}")
                continue
            values[key] = number
        elif key == "statement_timeout":
            if (bad_timeout := statement_timeout_problem(value)) is not None:
                problem(key, bad_timeout)
                continue
            values[key] = str(value).strip()
        elif key == "password":
            if value not in PASSWORD_SOURCES:
                hint = (
                    " (passwords are never stored in this file: use `bastion profiles "
                    "set-password`)"
                    if isinstance(value, str) and value not in PASSWORD_SOURCES
                    else ""
                )
                problem(
                    key,
                    f"expected a password source: one of {', '.join(PASSWORD_SOURCES)}{hint}",
                )
                continue
            values[key] = value
        elif key == "sslmode":
            if value not in SSLMODES:
                problem(key, f"unknown sslmode {value!r}: expected one of {', '.join(SSLMODES)}")
                continue
            values[key] = value
        elif key in ("read_only", "production", "prepared_statements"):
            flag = _as_bool(value)
            if flag is None:
                problem(key, f"expected true or false, got {value!r}")
                continue
            values[key] = flag
        elif key == "color":
            if not isinstance(value, str) or not (value in COLORS or value.startswith("#")):
                problem(key, f"expected a colour name ({', '.join(COLORS)}) or #rrggbb")
                continue
            values[key] = value
        elif key == "ssh":
            ssh, ssh_problems = _parse_ssh(name, value, path, lines)
            problems.extend(ssh_problems)
            if ssh is not None:
                values[key] = ssh
        elif key == "migrations":
            migrations, mig_problems = _parse_migrations(name, value, path, lines)
            problems.extend(mig_problems)
            if migrations is not None:
                values[key] = migrations

    driver = values.get("driver", "postgresql")
    if driver == "sqlite" and not values.get("path"):
        problem("path", "a sqlite profile needs `path` (the database file)")
    if driver == "postgresql" and "path" in values:
        problem("path", "`path` is only for sqlite profiles", "warning")
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Profile(name=name, extra=extra, **values), problems


_UNSAFE_SSH_CHARS = set(" \t\n'\"`$;&|<>(){}\\")


def _ssh_value_is_safe(value: str) -> bool:
    # Never let a host/user be read as an ssh option or shell syntax (CVE-2023-51385 class).
    return bool(value) and not value.startswith("-") and not (set(value) & _UNSAFE_SSH_CHARS)


def _parse_ssh(
    name: str, raw: Any, path: Path | None, lines: dict[tuple[str, ...], int]
) -> tuple[SshConfig | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(key: str, message: str, severity: str = "error") -> None:
        line = lines.get(("profiles", name, "ssh", key)) or lines.get(("profiles", name, "ssh"))
        problems.append(Problem(path, line, name, f"ssh.{key}" if key else "ssh", message, severity))

    if isinstance(raw, str):
        raw = {"host": raw}
    if not isinstance(raw, dict):
        problem("", "expected a mapping with at least `host`")
        return None, problems
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key not in SSH_KEYS:
            problem(key, f"unknown key: expected one of {', '.join(SSH_KEYS)}")
        elif key == "port":
            number = _as_int(value)
            if number is None or not 0 < number <= 65535:
                problem(key, f"expected a port from 1 to 65535, got {value!r}")
            else:
                values[key] = number
        elif key == "options":
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(i, str) and "=" in i and not i.startswith("-") for i in items):
                problem(key, "expected a list of `Name=value` ssh options")
            else:
                values[key] = tuple(items)
        elif key in ("host", "user", "jump"):
            if not isinstance(value, str) or not all(
                _ssh_value_is_safe(part) for part in value.split(",")
            ):
                problem(key, f"unsafe or empty value {value!r}: no spaces, quotes, shell characters or leading '-'")
            else:
                values[key] = value
        elif key == "identity_file":
            if not isinstance(value, str) or not value:
                problem(key, "expected a file path")
            else:
                values[key] = value
    if "host" not in values and not any(p.key == "ssh.host" for p in problems):
        problem("host", "`ssh` needs a `host` (the jump host, as in ~/.ssh/config)")
    if problems:
        return None, problems
    return SshConfig(**values), problems


def _parse_migrations(
    name: str, raw: Any, path: Path | None, lines: dict[tuple[str, ...], int]
) -> tuple[MigrationsConfig | None, list[Problem]]:
    problems: list[Problem] = []
    if isinstance(raw, str):
        raw = {"config": raw}
    if not isinstance(raw, dict):
        line = lines.get(("profiles", name, "migrations"))
        problems.append(
            Problem(path, line, name, "migrations",
                    "expected a path or a mapping (config, script_location, version_table)")
        )
        return None, problems
    values: dict[str, str] = {}
    for key, value in raw.items():
        key = str(key)
        line = lines.get(("profiles", name, "migrations", key))
        if key not in MIGRATIONS_KEYS:
            problems.append(
                Problem(path, line, name, f"migrations.{key}",
                        f"unknown key: expected one of {', '.join(MIGRATIONS_KEYS)}")
            )
        elif not isinstance(value, str) or not value:
            problems.append(Problem(path, line, name, f"migrations.{key}", "expected text"))
        else:
            values[key] = value
    if problems:
        return None, problems
    return MigrationsConfig(**values), problems


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The YAML mapping for a profile: only keys that differ from the defaults."""
    defaults = Profile(name=profile.name)
    out: dict[str, Any] = {}
    for f in fields(Profile):
        if f.name in ("name", "extra"):
            continue
        value = getattr(profile, f.name)
        if value == getattr(defaults, f.name):
            continue
        if isinstance(value, SshConfig):
            value = {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in vars(value).items()
                if v not in (None, ())
            }
        elif isinstance(value, MigrationsConfig):
            value = {k: v for k, v in vars(value).items() if v is not None}
        out[f.name] = value
    out.update(profile.extra)
    return out


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def default_profiles_path() -> Path:
    """`$BASTION_PROFILES`, else `$XDG_CONFIG_HOME/bastion/profiles.yaml`."""
    from tui.paths import config_dir

    env = os.environ.get(PROFILE_FILE_ENV)
    if env:
        return Path(env).expanduser()
    return config_dir() / "profiles.yaml"


class ProfileStore:
    """The profiles file: load, validate, add, replace, remove, save.

    Profiles that fail validation are not offered for connecting, but their raw
    YAML is kept so a save never drops them. A file that does not parse is never
    overwritten (`writable` is False).
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_profiles_path()
        self.profiles: dict[str, Profile] = {}
        self.problems: list[Problem] = []
        self.file_error: ProfileFileError | None = None
        self._raw_profiles: dict[str, Any] = {}
        self._raw_top: dict[str, Any] = {}

    @property
    def writable(self) -> bool:
        return self.file_error is None

    def load(self) -> ProfileStore:
        """(Re)read the file. Never raises for content problems: see `problems`
        and `file_error`."""
        self.profiles, self.problems, self.file_error = {}, [], None
        self._raw_profiles, self._raw_top = {}, {}
        try:
            size = self.path.stat().st_size
            if size > MAX_PROFILES_FILE_BYTES:
                self.file_error = ProfileFileError(
                    self.path, f"the file is {size // 1024:,} KB, over the {MAX_PROFILES_FILE_BYTES // 1024:,} KB "
                    "limit for a profiles file: is it the right file?")
                return self
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self
        except (OSError, UnicodeDecodeError) as exc:
            self.file_error = ProfileFileError(self.path, f"cannot read: {exc}")
            return self
        try:
            data, lines = _compose(text, self.path)
        except ProfileFileError as exc:
            self.file_error = exc
            return self
        if data is None:
            return self
        if not isinstance(data, dict):
            self.file_error = ProfileFileError(self.path, "expected a mapping with a `profiles:` key", 1)
            return self
        self._raw_top = {k: v for k, v in data.items() if k != "profiles"}
        raw_profiles = data.get("profiles") or {}
        if not isinstance(raw_profiles, dict):
            self.file_error = ProfileFileError(
                self.path, "`profiles` must be a mapping of name: settings", lines.get(("profiles",))
            )
            return self
        for unknown in self._raw_top:
            self.problems.append(
                Problem(self.path, lines.get((str(unknown),)), None, str(unknown),
                        "unknown top-level key (kept)", "warning")
            )
        for name, raw in raw_profiles.items():
            name = str(name)
            self._raw_profiles[name] = raw
            profile, problems = parse_profile(name, raw, self.path, lines)
            self.problems.extend(problems)
            if profile is not None:
                self.profiles[name] = profile
        return self

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def get(self, name: str) -> Profile:
        """The named profile, or KeyError with a message saying what exists."""
        if name in self.profiles:
            return self.profiles[name]
        if name in self._raw_profiles:
            reasons = "; ".join(p.message for p in self.errors() if p.profile == name)
            raise KeyError(f"profile '{name}' is invalid: {reasons}")
        known = ", ".join(sorted(self.profiles)) or "none"
        raise KeyError(f"no profile named '{name}' in {self.path} (known: {known})")

    def names(self) -> list[str]:
        return sorted(self._raw_profiles)

    def put(self, profile: Profile, *, replace_name: str | None = None) -> None:
        """Add or replace a profile (optionally renaming `replace_name`) and save."""
        self._require_writable()
        if replace_name and replace_name != profile.name:
            self._raw_profiles.pop(replace_name, None)
            self.profiles.pop(replace_name, None)
        self._raw_profiles[profile.name] = profile_to_dict(profile)
        self.profiles[profile.name] = profile
        self.save()

    def remove(self, name: str) -> None:
        self._require_writable()
        if name not in self._raw_profiles:
            raise KeyError(f"no profile named '{name}' in {self.path}")
        del self._raw_profiles[name]
        self.profiles.pop(name, None)
        self.save()

    def save(self) -> None:
        self._require_writable()
        document = {**self._raw_top, "profiles": self._raw_profiles}
        text = (
            "# bastion connection profiles: see profiles.example.yaml for every key.\n"
            "# Passwords are never stored here (OS keyring, prompt, .pgpass or env).\n"
            + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, default_flow_style=False)
        )
        atomic_write(self.path, text)

    def _require_writable(self) -> None:
        if self.file_error is not None:
            raise ProfileFileError(
                self.path,
                f"not saving: the file has an error to fix first ({self.file_error.message})",
                self.file_error.line,
                self.file_error.column,
            )
