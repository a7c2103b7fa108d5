"""Reading profiles from YAML: every key checked against one table, every problem
located at its file and line.

A profiles file looks like::

    profiles:
      staging:
        host: db.example.internal
        database: app
        user: app_ro
        read_only: true
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tui.profiles.model import (
    COLORS,
    DRIVERS,
    MAX_NAME_LENGTH,
    PASSWORD_SOURCES,
    SSLMODES,
    MigrationsConfig,
    Problem,
    Profile,
    ProfileFileError,
    SshConfig,
)

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Names become keyring entries and file names (editor tabs, history): keep them plain.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

Lines = dict[tuple[str, ...], int]


def compose(text: str, path: Path) -> tuple[Any, Lines]:
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
    lines: Lines = {}

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


def timeout_milliseconds(value: Any) -> float | None:
    """A time setting in milliseconds ("5s" -> 5000.0, "5000" -> 5000.0), None if unreadable."""
    match = _TIMEOUT.match(str(value)) if value is not None else None
    return float(match["number"]) * _TIMEOUT_UNIT_MS[match["unit"]] if match else None


# ---------------------------------------------------------------------------
# The readers: one per kind of value, each returning the value to keep or
# raising BadValue with what the user should read.
# ---------------------------------------------------------------------------


class BadValue(ValueError):
    """A value a key does not take; the message says what it takes."""


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


_UNSAFE_SSH_CHARS = set(" \t\n'\"`$;&|<>(){}\\")


def _ssh_value_is_safe(value: str) -> bool:
    # Never let a host/user be read as an ssh option or shell syntax (CVE-2023-51385 class).
    return bool(value) and not value.startswith("-") and not (set(value) & _UNSAFE_SSH_CHARS)


def _read_text(rule: Rule, value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadValue(rule.wrong.format(value=value, type=type(value).__name__))
    return str(value)


def _read_nonempty_text(rule: Rule, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise BadValue(rule.wrong)
    return value


def _read_choice(rule: Rule, value: Any) -> Any:
    if value not in rule.allowed:
        raise BadValue(rule.wrong.format(value=value, allowed=", ".join(rule.allowed)))
    return value


def _read_password_source(rule: Rule, value: Any) -> Any:
    if value not in rule.allowed:
        hint = (" (passwords are never stored in this file: use `bastion profiles set-password`)"
                if isinstance(value, str) else "")
        raise BadValue(rule.wrong.format(value=value, allowed=", ".join(rule.allowed)) + hint)
    return value


def _read_number(rule: Rule, value: Any) -> int:
    number = _as_int(value)
    low, high = rule.bounds
    if number is None or number < low or (high is not None and number > high):
        raise BadValue(rule.wrong.format(value=value))
    return number


def _read_flag(rule: Rule, value: Any) -> bool:
    flag = _as_bool(value)
    if flag is None:
        raise BadValue(rule.wrong.format(value=value))
    return flag


def _read_timeout(rule: Rule, value: Any) -> str:
    if (problem := statement_timeout_problem(value)) is not None:
        raise BadValue(problem)
    return str(value).strip()


def _read_colour(rule: Rule, value: Any) -> str:
    if not isinstance(value, str) or not (value in rule.allowed or value.startswith("#")):
        raise BadValue(rule.wrong.format(allowed=", ".join(rule.allowed)))
    return value


def _read_ssh_word(rule: Rule, value: Any) -> str:
    if not isinstance(value, str) or not all(_ssh_value_is_safe(part) for part in value.split(",")):
        raise BadValue(rule.wrong.format(value=value))
    return value


def _read_ssh_options(rule: Rule, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, str) and "=" in i and not i.startswith("-") for i in items):
        raise BadValue(rule.wrong)
    return tuple(items)


@dataclass(frozen=True)
class Rule:
    """One key: how its value is read, what it takes, its default, and what to say
    when the value is wrong (a template with {value!r}, {type} or {allowed})."""

    read: Callable[[Rule, Any], Any] | None = None  # None for a section
    default: Any = None
    allowed: tuple[str, ...] = ()
    bounds: tuple[int, int | None] = (0, None)
    wrong: str = ""
    section: Section | None = None  # a nested mapping (ssh, migrations) read by its own table


@dataclass(frozen=True)
class Section:
    """A nested mapping of a profile: its own table of keys, the key a plain string
    stands for (`ssh: jump` is `ssh: {host: jump}`), and what it builds."""

    rules: dict[str, Rule]
    shorthand: str
    build: Callable[..., Any]
    not_a_mapping: str
    required: dict[str, str] = field(default_factory=dict)  # key: message when missing
    # A key's problem without a line of its own (a missing or shorthand key) is
    # located at the section's line; migrations has always left those unlocated.
    locate_at_section: bool = True


def _text(default: Any = None) -> Rule:
    return Rule(_read_text, default, wrong="expected text, got {type}")


_PORT = "expected a port number from 1 to 65535, got {value!r}"
_SSH_WORD = "unsafe or empty value {value!r}: no spaces, quotes, shell characters or leading '-'"

SSH_RULES: dict[str, Rule] = {
    "host": Rule(_read_ssh_word, wrong=_SSH_WORD),
    "user": Rule(_read_ssh_word, wrong=_SSH_WORD),
    "port": Rule(_read_number, bounds=(1, 65535), wrong="expected a port from 1 to 65535, got {value!r}"),
    "identity_file": Rule(_read_nonempty_text, wrong="expected a file path"),
    "jump": Rule(_read_ssh_word, wrong=_SSH_WORD),
    "options": Rule(_read_ssh_options, (), wrong="expected a list of `Name=value` ssh options"),
}
MIGRATIONS_RULES: dict[str, Rule] = {
    key: Rule(_read_nonempty_text, wrong="expected text") for key in ("config", "script_location", "version_table")
}
SSH_SECTION = Section(
    SSH_RULES, "host", SshConfig, "expected a mapping with at least `host`",
    required={"host": "`ssh` needs a `host` (the jump host, as in ~/.ssh/config)"},
)
MIGRATIONS_SECTION = Section(
    MIGRATIONS_RULES, "config", MigrationsConfig,
    "expected a path or a mapping (config, script_location, version_table)",
    locate_at_section=False,
)

# Every key of a profile, in the order of the Profile dataclass (tests check the two agree).
PROFILE_RULES: dict[str, Rule] = {
    "driver": Rule(_read_choice, "postgresql", DRIVERS, wrong="unknown driver {value!r}: expected one of {allowed}"),
    "host": _text(),
    "port": Rule(_read_number, bounds=(1, 65535), wrong=_PORT),
    "database": _text(),
    "user": _text(),
    "service": _text(),
    "sslmode": Rule(_read_choice, None, SSLMODES, wrong="unknown sslmode {value!r}: expected one of {allowed}"),
    "sslrootcert": _text(),
    "sslcert": _text(),
    "sslkey": _text(),
    "connect_timeout": Rule(_read_number, wrong="expected a whole number of seconds, got {value!r}"),
    "options": _text(),
    "search_path": _text(),
    "application_name": _text(),
    "password": Rule(_read_password_source, "keyring", PASSWORD_SOURCES,
                     wrong="expected a password source: one of {allowed}"),
    "read_only": Rule(_read_flag, False, wrong="expected true or false, got {value!r}"),
    "production": Rule(_read_flag, False, wrong="expected true or false, got {value!r}"),
    "prepared_statements": Rule(_read_flag, False, wrong="expected true or false, got {value!r}"),
    "group": _text(),
    "statement_timeout": Rule(_read_timeout),
    "ssh": Rule(section=SSH_SECTION),
    "migrations": Rule(section=MIGRATIONS_SECTION),
    "path": _text(),
    "label": _text(),
    "color": Rule(_read_colour, None, COLORS, wrong="expected a colour name ({allowed}) or #rrggbb"),
}


def parse_profile(
    name: str,
    raw: Any,
    path: Path | None = None,
    lines: Lines | None = None,
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
        rule = PROFILE_RULES.get(key)
        if rule is None:
            extra[key] = value
            problem(key, "unknown key (kept as is, ignored)", "warning")
            continue
        if value is None:
            continue
        if rule.read is None:
            assert rule.section is not None
            nested, nested_problems = _parse_section(rule.section, key, name, value, path, lines)
            problems.extend(nested_problems)
            if nested is not None:
                values[key] = nested
            continue
        try:
            values[key] = rule.read(rule, value)
        except BadValue as exc:
            problem(key, str(exc))

    driver = values.get("driver", "postgresql")
    if driver == "sqlite" and not values.get("path"):
        problem("path", "a sqlite profile needs `path` (the database file)")
    if driver == "postgresql" and "path" in values:
        problem("path", "`path` is only for sqlite profiles", "warning")
    if any(p.severity == "error" for p in problems):
        return None, problems
    return Profile(name=name, extra=extra, **values), problems


def _parse_section(
    section: Section, section_key: str, name: str, raw: Any, path: Path | None, lines: Lines
) -> tuple[Any, list[Problem]]:
    """A nested mapping (ssh, migrations) by its own table; any problem is an error."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        line = lines.get(("profiles", name, section_key, key))
        if not line and (section.locate_at_section or not key):
            line = lines.get(("profiles", name, section_key))
        problems.append(Problem(path, line, name, f"{section_key}.{key}" if key else section_key, message))

    if isinstance(raw, str):
        raw = {section.shorthand: raw}
    if not isinstance(raw, dict):
        problem("", section.not_a_mapping)
        return None, problems
    values: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        rule = section.rules.get(key)
        if rule is None or rule.read is None:
            problem(key, f"unknown key: expected one of {', '.join(section.rules)}")
            continue
        try:
            values[key] = rule.read(rule, value)
        except BadValue as exc:
            problem(key, str(exc))
    for key, message in section.required.items():
        if key not in values and not any(p.key == f"{section_key}.{key}" for p in problems):
            problem(key, message)
    if problems:
        return None, problems
    return section.build(**values), problems
