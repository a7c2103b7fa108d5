"""Connections in environment variables, as `.env` files, docker-compose
`environment:` blocks and Java properties hold them.

A URL variable (`DATABASE_URL`, `AUTH_SERVICE__DB_URL`, `spring.datasource.url`, any
value that is a postgresql://, JDBC or sqlite:/// URL) is one connection; split
variables (`DB_HOST` … `DB_SSLMODE`, `POSTGRES_USER` …, `PGHOST` …, with any prefix)
are one connection per prefix. The prefix names the profile (`AUTH_SERVICE__` ->
`auth-service`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tui.profiles.imports.urls import ImportedProfile, SourceError, parse_source, safe_name
from tui.profiles.model import SSLMODES, Profile


@dataclass(frozen=True)
class Variable:
    """One `KEY=value` assignment and the line it is on."""

    key: str
    value: str
    line: int


_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s*(?P<value>.*?)\s*$")
_URL_VALUE = re.compile(r"^(?:jdbc:)?(?:postgres(?:ql)?|sqlite)(?:\+[A-Za-z0-9_]+)?://", re.I)
_URL_KEY = re.compile(r"^(?P<prefix>.*?)(?:DATABASE_URL|DB_URL|DATABASE_URI|DB_URI|DB_DSN|DATABASE_DSN|"
                      r"SQLALCHEMY_DATABASE_URI|JDBC_URL|\.url|_URL)$", re.I)
_SPLIT_KEY = re.compile(
    r"^(?P<prefix>(?:.*?[_.])?)(?P<stem>DB|DATABASE|POSTGRES|POSTGRESQL|PG)_?"
    r"(?P<field>HOST|HOSTNAME|SERVER|PORT|USER|USERNAME|PASSWORD|PASS|NAME|DB|DATABASE|SSLMODE)$",
    re.I,
)
# The connection field each variable suffix names (DB_PASS and DB_PASSWORD are both the password).
_FIELDS = {
    **dict.fromkeys(("host", "hostname", "server"), "host"),
    "port": "port",
    **dict.fromkeys(("user", "username"), "user"),
    **dict.fromkeys(("password", "pass"), "password"),
    **dict.fromkeys(("name", "db", "database"), "database"),
    "sslmode": "sslmode",
}


def unquote_value(raw: str) -> str:
    """A value as a shell or dotenv reads it: quotes removed (`#` and `=` inside
    them kept), an unquoted ` # comment` dropped."""
    if raw and raw[0] in "'\"":
        quote = raw[0]
        end = raw.find(quote, 1)
        while quote == '"' and end > 0 and raw[end - 1] == "\\":
            end = raw.find(quote, end + 1)
        if end > 0:
            inner = raw[1:end]
            return inner.replace('\\"', '"') if quote == '"' else inner
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _shell_assignments(line: str) -> list[tuple[str, str]] | None:
    """`DB_HOST=h DB_USER='u' DB_NAME=d` (several on one line, as a shell reads
    them), or None when the line is not only assignments."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return None
    if words[:1] == ["export"]:
        words = words[1:]
    pairs = [(key, value) for key, sep, value in (word.partition("=") for word in words) if sep]
    if len(pairs) < 2 or len(pairs) != len(words) or not all(_KEY.match(key) for key, _ in pairs):
        return None
    return pairs


def env_variables(text: str, path: Path, pasted: bool = False) -> list[Variable]:
    """Every assignment of a `.env` (or `.properties`) text; a key set twice to
    different values is an error naming both lines. `pasted`: also several
    assignments on one line and compose's `- KEY=value` list items."""
    seen: dict[str, Variable] = {}
    found: list[Variable] = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith(("#", ";", "!")):
            continue
        assignments = None
        if pasted:
            line = re.sub(r"^\s*-\s+", "", line)
            assignments = _shell_assignments(line)
        if assignments is None:
            match = _ASSIGNMENT.match(line)
            if not match:
                continue
            assignments = [(match["key"], unquote_value(match["value"]))]
        for key, value in assignments:
            _add_variable(Variable(key, value, number), seen, found, path)
    return found


def _add_variable(variable: Variable, seen: dict[str, Variable], found: list[Variable], path: Path) -> None:
    earlier = seen.get(variable.key)
    if earlier is not None and earlier.value != variable.value:
        raise SourceError(f"{path}:{variable.line}: {variable.key} is set twice to different values "
                          f"(lines {earlier.line} and {variable.line}): remove the one you do not mean")
    if earlier is None:
        seen[variable.key] = variable
        found.append(variable)


def _prefix_name(prefix: str) -> str:
    return safe_name(re.sub(r"[_.]+", "-", prefix).strip("-"))


def _group_name(prefix: str, name: str | None, fallback: str) -> str:
    words = _prefix_name(prefix) if prefix.strip("_.") else ""
    if name:
        return f"{name}-{words}" if words else name
    return words or fallback


def connections_in(variables: list[Variable], path: Path, name: str | None = None,
                   notes: list[str] | None = None, server_defaults: bool = False) -> list[ImportedProfile]:
    """Every connection the variables describe. `server_defaults`: POSTGRES_* of a
    postgres container, whose user defaults to `postgres` and host to this machine."""
    used: set[str] = set()
    found: list[ImportedProfile] = []
    url_prefixes: dict[str, ImportedProfile] = {}
    by_key = {v.key.lower(): v for v in variables}
    for variable in variables:
        url_key = _URL_KEY.match(variable.key)
        is_url = bool(_URL_VALUE.match(variable.value))
        if not (is_url or (url_key and re.search(r"(DATABASE|DB)_UR[LI]$", variable.key, re.I))):
            continue
        used.add(variable.key)
        if not variable.value.strip():
            if notes is not None:
                notes.append(f"{path.name}: {variable.key} is empty, skipped")
            continue
        prefix = url_key["prefix"] if url_key else variable.key
        default = _group_name(prefix, name, "") or (name if name else None)
        try:
            item = parse_source(variable.value, default or None, path.parent)
        except SourceError as exc:
            raise SourceError(f"{path}:{variable.line}: {variable.key}: {exc}") from None
        item = _with_siblings(item, prefix, by_key, used)
        item = item.with_changes(origin=f"{variable.key} in {path.name}:{variable.line}")
        url_prefixes.setdefault(_prefix_name(prefix) if prefix.strip("_.") else "", item)
        found.append(item)
    for prefix, item in _split_connections(variables, path, name, used, notes, server_defaults):
        same_prefix = url_prefixes.get(_prefix_name(prefix) if prefix.strip("_.") else "")
        if same_prefix is None:
            found.append(item)
        elif _differs(same_prefix.profile, item.profile) or (item.password and item.password != same_prefix.password):
            raise SourceError(f"{path}: {same_prefix.origin.split(' in ')[0]} and {item.origin} describe different "
                              "connections for the same name: remove the one that is out of date")
    return found


def _differs(a: Profile, b: Profile) -> bool:
    return (a.host, a.port or 5432, a.user, a.database) != (b.host, b.port or 5432, b.user, b.database)


def _with_siblings(item: ImportedProfile, prefix: str, by_key: dict[str, Variable], used: set[str]) -> ImportedProfile:
    """`spring.datasource.url` beside `spring.datasource.username` / `.password`."""
    profile, password = item.profile, item.password
    if not prefix.strip("_."):
        return item
    for suffix, target in (("username", "user"), ("user", "user"), ("password", "password")):
        sibling = next((by_key[key] for sep in ("", "_", ".") if (key := f"{prefix}{sep}{suffix}".lower()) in by_key),
                       None)
        if sibling is None or not sibling.value or sibling.key in used:
            continue
        used.add(sibling.key)
        if target == "user" and not profile.user:
            profile = profile.with_changes(user=sibling.value)
        elif target == "password" and not password:
            password = sibling.value
    return item.with_changes(profile=profile, password=password)


def _split_connections(variables: list[Variable], path: Path, name: str | None, used: set[str],
                       notes: list[str] | None, server_defaults: bool) -> list[tuple[str, ImportedProfile]]:
    groups: dict[str, dict[str, Variable]] = {}
    stems: dict[str, set[str]] = {}
    for variable in variables:
        match = _SPLIT_KEY.match(variable.key)
        if variable.key in used or not match:
            continue
        prefix = match["prefix"].upper()
        field = _FIELDS[match["field"].lower()]
        groups.setdefault(prefix, {}).setdefault(field, variable)
        stems.setdefault(prefix, set()).add(match["stem"].upper())
    found: list[tuple[str, ImportedProfile]] = []
    for prefix, fields in groups.items():
        server = server_defaults or stems[prefix] <= {"POSTGRES"} and "host" not in fields
        item = _split_connection(prefix, fields, path, name, server, notes)
        if item is not None:
            found.append((prefix, item))
    return found


def _split_connection(prefix: str, fields: dict[str, Variable], path: Path, name: str | None,
                      server: bool, notes: list[str] | None) -> ImportedProfile | None:
    def value(field: str) -> str | None:
        variable = fields.get(field)
        return variable.value if variable is not None and variable.value != "" else None

    first = min(v.line for v in fields.values())
    host, user = value("host"), value("user")
    if server:  # the postgres image's own defaults
        user = user or "postgres"
        host = host or "localhost"
    if host and not user:
        raise SourceError(f"{path}:{fields['host'].line}: {fields['host'].key} is set but no user is: "
                          "half a connection (add the user variable beside it)")
    if not host and not user:
        if notes is not None:
            keys = ", ".join(v.key for v in fields.values())
            notes.append(f"{path.name}:{first}: {keys} without a host or user: not a connection, skipped")
        return None
    port: int | None = None
    if (text := value("port")) is not None:
        if not text.isdigit() or not 1 <= int(text) <= 65535:
            raise SourceError(f"{path}:{fields['port'].line}: {fields['port'].key} must be a port "
                              f"from 1 to 65535, got {text!r}")
        port = int(text)
    sslmode = value("sslmode")
    if sslmode is not None and sslmode not in SSLMODES:
        raise SourceError(f"{path}:{fields['sslmode'].line}: {fields['sslmode'].key}: unknown sslmode "
                          f"{sslmode!r}: expected one of {', '.join(SSLMODES)}")
    database = value("database") or (user if server else None)
    profile_name = _group_name(prefix, name, safe_name(database or host or "imported"))
    profile = Profile(name=safe_name(profile_name), host=host, port=port, user=user,
                      database=database, sslmode=sslmode)
    keys = ", ".join(sorted({v.key for v in fields.values()}))
    return ImportedProfile(profile, value("password"), f"{keys} in {path.name}:{first}")
