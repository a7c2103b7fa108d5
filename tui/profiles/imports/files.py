"""Connections in the files people have: `.env` and `.properties`, alembic.ini,
docker-compose.yml, and a pasted `PGPASSWORD=… psql -h … -U … -d …` line; pasted
text goes through the same parsers as a file (its origin "pasted text").

Every problem names the file and line; a file that is too big, not UTF-8 or holds
no connection is refused with a message, never half imported.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from tui.profiles.imports.urls import ImportedProfile, SourceError, parse_source, profile_from_params, safe_name
from tui.profiles.imports.variables import Variable, connections_in, env_variables

# A connection file is a few KB; a bigger one is the wrong file (a dump, a log).
MAX_SOURCE_BYTES = 1024 * 1024
# Host names that are docker-compose services rather than something this machine resolves.
COMPOSE_HOSTS = frozenset({"db", "postgres", "postgresql", "database", "pg", "pgsql"})
_ALEMBIC_PLACEHOLDER = "driver://user:pass@localhost/dbname"
_PSQL_LINE = re.compile(r"(?:^|[\s;&|(])(?:\S*/)?psql(?:\s|$)")
_PSQL_VALUE_OPTIONS = {"-c", "-f", "-v", "-o", "-F", "-R", "-P", "-T", "-L", "--command", "--file", "--set",
                       "--variable", "--output", "--field-separator", "--record-separator", "--pset",
                       "--table-attr", "--log-file"}
_PSQL_KEYS = {"-h": "host", "--host": "host", "-p": "port", "--port": "port", "-U": "user",
              "--username": "user", "-d": "dbname", "--dbname": "dbname"}
_PG_ENV = {"PGHOST": "host", "PGPORT": "port", "PGUSER": "user", "PGDATABASE": "dbname",
           "PGPASSWORD": "password", "PGSSLMODE": "sslmode", "PGSSLROOTCERT": "sslrootcert"}


def read_source(path: Path) -> str:
    """The file's text (UTF-8, BOM and CRLF removed), or a SourceError saying why not."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(f"{path}: {size // 1024:,} KB is too big for a connection file (at most "
                              f"{MAX_SOURCE_BYTES // 1024:,} KB): is it the right file?")
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"{path}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}): save the file as UTF-8 "
                          "and import it again") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def is_psql_line(text: str) -> bool:
    """Whether `text` is a psql command line (maybe after `PGPASSWORD=… `)."""
    return bool(_PSQL_LINE.search(text)) and "\n" not in text.strip()


def parse_psql_line(line: str, name: str | None = None, origin: str = "psql command") -> ImportedProfile:
    """`PGPASSWORD=… psql -h host -p 5432 -U user -d db` (or a URL / DSN after psql)."""
    try:
        words = shlex.split(line, comments=True)
    except ValueError as exc:
        raise SourceError(f"{origin}: cannot split the command line ({exc})") from None
    start = next((i for i, w in enumerate(words) if w == "psql" or w.endswith("/psql")), None)
    if start is None:
        raise SourceError(f"{origin}: no psql command in the line")
    params: dict[str, object] = {}
    for word in words[:start]:
        key, sep, value = word.partition("=")
        if sep and key in _PG_ENV:
            params[_PG_ENV[key]] = value
    positional: list[str] = []
    args = words[start + 1:]
    index = 0
    while index < len(args):
        word = args[index]
        index += 1
        if word.startswith("--") and "=" in word:
            option, _, value = word.partition("=")
        elif word in _PSQL_KEYS or word in _PSQL_VALUE_OPTIONS:
            option, value = word, args[index] if index < len(args) else ""
            index += 1
        elif len(word) > 2 and word[:2] in _PSQL_KEYS:
            option, value = word[:2], word[2:]
        elif word.startswith("-"):
            continue
        else:
            positional.append(word)
            continue
        if option in _PSQL_KEYS:
            params[_PSQL_KEYS[option]] = value
    if positional:
        params.setdefault("dbname", positional[0])
    if len(positional) > 1:
        params.setdefault("user", positional[1])
    dbname = str(params.get("dbname", ""))
    if "://" in dbname or "=" in dbname:  # psql "postgresql://…" or psql "host=… dbname=…"
        item = parse_source(dbname, name)
        changes = {k: params[k] for k in ("host", "user") if k in params}
        return item.with_changes(profile=item.profile.with_changes(**changes),
                                 password=item.password or params.get("password"), origin=origin)
    if params.get("host") and not params.get("user"):
        raise SourceError(f"{origin}: a host but no user (-U or PGUSER): half a connection")
    if not params.get("host") and not params.get("user") and not params.get("dbname"):
        raise SourceError(f"{origin}: no -h, -U or -d: nothing says where to connect")
    try:
        profile, password = profile_from_params(params, name)
    except SourceError as exc:
        raise SourceError(f"{origin}: {exc}") from None
    return ImportedProfile(profile, password, origin)


def alembic_connections(text: str, path: Path, name: str | None) -> list[ImportedProfile]:
    """Every `sqlalchemy.url` of an alembic.ini (one per section, for multidb)."""
    found: list[ImportedProfile] = []
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        if header := re.match(r"^\s*\[(?P<section>[^\]]+)\]", line):
            section = header["section"].strip()
            continue
        match = re.match(r"^\s*sqlalchemy\.url\s*[=:]\s*(?P<value>.*?)\s*$", line)
        if not match or not match["value"]:
            continue
        where = f"{path}:{number}"
        value = match["value"].replace("%%", "%")  # configparser's escape for a percent sign
        if value == _ALEMBIC_PLACEHOLDER:
            raise SourceError(f"{where}: sqlalchemy.url is alembic's placeholder ({value}): put the real "
                              "URL there, or import the one env.py reads")
        if "%(" in value:
            raise SourceError(f"{where}: sqlalchemy.url is built from other settings ({value}): "
                              "import the URL itself")
        wanted = name or (safe_name(section) if section not in ("", "alembic") else None)
        try:
            item = parse_source(value, wanted, path.parent)
        except SourceError as exc:
            raise SourceError(f"{where}: sqlalchemy.url: {exc}") from None
        found.append(item.with_changes(origin=f"sqlalchemy.url in {path.name}:{number}"))
    return found


def _published_port(service: dict[str, Any]) -> int | None:
    """The host port a compose service publishes its 5432 on (`"5433:5432"`)."""
    for entry in service.get("ports") or []:
        if isinstance(entry, dict) and str(entry.get("target")) == "5432" and str(entry.get("published", "")).isdigit():
            return int(entry["published"])
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2 and parts[-1] == "5432" and parts[-2].isdigit():
            return int(parts[-2])
    return None


def _interpolate(value: str, dotenv: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` from the .env beside it; `$$` is a `$`."""
    def one(match: re.Match[str]) -> str:
        return dotenv.get(match["name"]) or match["default"] or ""

    value = re.sub(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}", one, value)
    return value.replace("$$", "$")


def compose_connections(text: str, path: Path, name: str | None, notes: list[str] | None,
                        dotenv_path: Path | None) -> list[ImportedProfile]:
    """The connections in a docker-compose file's `environment:` blocks (map or
    list form): a postgres service as localhost and its published port, the
    others as they are, with a hint where their host is a service name.
    `dotenv_path`: the .env `${VAR}` is read from (none for pasted text)."""
    from tui.profiles.model import ProfileFileError
    from tui.profiles.parse import compose

    try:
        data, lines = compose(text, path)
    except ProfileFileError as exc:
        raise SourceError(str(exc)) from None
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise SourceError(f"{path}: no `services:` mapping: not a docker-compose file")
    dotenv = ({v.key: v.value for v in env_variables(read_source(dotenv_path), dotenv_path)}
              if dotenv_path is not None and dotenv_path.is_file() else {})
    text_lines = text.splitlines()
    found: list[ImportedProfile] = []
    for service, spec in services.items():
        if not isinstance(spec, dict) or not spec.get("environment"):
            continue
        variables = _compose_variables(str(service), spec["environment"], lines, text_lines, dotenv)
        is_server = "postgres" in str(spec.get("image", "")).lower() or any(
            v.key.startswith("POSTGRES_") for v in variables)
        prefix = f"{name}-{service}" if name else str(service)
        items = connections_in(variables, path, prefix, notes, server_defaults=is_server)
        port = _published_port(spec) if is_server else None
        for item in items:
            origin = f"{item.origin} (service {service})"
            if is_server and item.profile.host == "localhost":
                hints = () if port else (f"service {service} publishes no port for 5432: add `ports: "
                                         "[\"5432:5432\"]` or change the profile's port",)
                item = item.with_changes(profile=item.profile.with_changes(port=port), hints=hints)
            found.append(item.with_changes(origin=origin))
    service_names = {str(s) for s in services}
    ports = {str(s): _published_port(spec) for s, spec in services.items() if isinstance(spec, dict)}
    return [with_compose_hint(item, service_names, ports) for item in found]


def _compose_variables(service: str, environment: Any, lines: dict[tuple[str, ...], int],
                       text_lines: list[str], dotenv: dict[str, str]) -> list[Variable]:
    base = lines.get(("services", service, "environment"), 1)
    variables: list[Variable] = []
    if isinstance(environment, dict):
        for key, value in environment.items():
            line = lines.get(("services", service, "environment", str(key)), base)
            variables.append(Variable(str(key), _interpolate("" if value is None else str(value), dotenv), line))
        return variables
    for entry in environment if isinstance(environment, list) else []:
        key, _, value = str(entry).partition("=")
        line = next((n for n in range(base, len(text_lines) + 1) if key in text_lines[n - 1]), base)
        variables.append(Variable(key.strip(), _interpolate(value, dotenv), line))
    return variables


def with_compose_hint(item: ImportedProfile, services: set[str] | None = None,
                      ports: dict[str, int | None] | None = None) -> ImportedProfile:
    """`item`, with a hint when its host is a docker-compose service name (`db`,
    `postgres`, … or one of `services`) that only resolves inside compose's network;
    a second call adds nothing."""
    host = item.profile.host or ""
    if host not in (services or set()) and host.lower() not in COMPOSE_HOSTS:
        return item
    if any("docker-compose service name" in hint for hint in item.hints):
        return item
    port = (ports or {}).get(host)
    where = f"localhost:{port}" if port else "localhost and the port the container publishes"
    hint = (f"host '{host}' is a docker-compose service name, reachable only inside compose's network: "
            f"from this machine use {where}")
    return item.with_changes(hints=(*item.hints, hint))


def env_connections(text: str, path: Path, name: str | None, notes: list[str] | None,
                    pasted: bool = False) -> list[ImportedProfile]:
    """A `.env` / `.properties` file: its variables and any psql command lines."""
    found = connections_in(env_variables(text, path, pasted), path, name, notes)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("#") and is_psql_line(line):
            found.append(parse_psql_line(line.strip(), name, f"psql command in {path.name}:{number}"))
    return found


def _connections(text: str, path: Path, name: str | None, notes: list[str] | None,
                 pasted: bool) -> list[ImportedProfile]:
    """Every connection in a file's (or a paste's) text, whatever its kind."""
    lower = path.name.lower()
    is_yaml = pasted or lower.endswith((".yml", ".yaml"))
    if is_yaml and ("compose" in lower or re.search(r"^services\s*:", text, re.M)):
        found = compose_connections(text, path, name, notes, None if pasted else path.parent / ".env")
    elif re.search(r"^\s*sqlalchemy\.url\s*[=:]", text, re.M):
        found = alembic_connections(text, path, name)
    else:
        found = env_connections(text, path, name, notes, pasted)
    if not found:
        also = "a postgresql:// / JDBC / sqlite:/// URL, a key=value DSN, the path of a file, " if pasted else ""
        raise SourceError(
            f"{path}: no connection found (looked for {also}DATABASE_URL / *_DB_URL lines, DB_HOST + DB_USER, "
            "POSTGRES_USER / POSTGRES_PASSWORD, PG* variables, JDBC URLs, a psql command, sqlalchemy.url, "
            "docker-compose environment blocks)")
    return found


def import_file(path: Path, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """Every connection in the file, whatever its kind; SourceError when there is none."""
    return _connections(read_source(path), path, name, notes, pasted=False)


PASTED = Path("pasted text")


def import_text(text: str, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """Every connection in pasted text (.env lines, `KEY=v KEY=v` on one line,
    alembic's sqlalchemy.url, a compose file or its `environment:` block, psql lines),
    named "pasted text" in origins and messages; SourceError when there is none."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise SourceError(f"{PASTED}: {len(text.encode()) // 1024:,} KB is too big for connection settings "
                          f"(at most {MAX_SOURCE_BYTES // 1024:,} KB): is it the right text?")
    return _connections(text, PASTED, name, notes, pasted=True)
