"""Turn what people paste (URLs, DSNs, `.env` files) into profiles.

The password found in a source is returned beside the profile, never inside it:
the caller moves it to the keyring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from psycopg.conninfo import conninfo_to_dict

from tui.profiles.model import MAX_NAME_LENGTH, SSLMODES, Profile


class SourceError(ValueError):
    """The source cannot be understood; the message says why (never with the password)."""


@dataclass(frozen=True)
class ImportedProfile:
    """A profile parsed from a source, with the password that came with it."""

    profile: Profile
    password: str | None
    origin: str  # e.g. "DATABASE_URL in .env" or "URL"


# libpq's URI query parameters that map onto profile keys; others are dropped.
_PROFILE_KEYS = {
    "host": "host", "port": "port", "dbname": "database", "user": "user",
    "service": "service", "sslmode": "sslmode", "sslrootcert": "sslrootcert",
    "sslcert": "sslcert", "sslkey": "sslkey", "connect_timeout": "connect_timeout",
    "application_name": "application_name", "options": "options",
}
_LIBPQ_QUERY_KEYS = set(_PROFILE_KEYS) | {"password", "target_session_attrs", "sslpassword"}
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*?)\s*$")


def _strip_env_value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw.split(" #", 1)[0].strip()


def _is_url_variable(key: str) -> bool:
    return key == "DATABASE_URL" or key.endswith("_DB_URL") or key.endswith("_DATABASE_URL")


# Room for unique_name's "-2", "-3", … within the profile name limit.
_IMPORTED_NAME_LENGTH = MAX_NAME_LENGTH - 4


def _safe_name(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._").lower()[:_IMPORTED_NAME_LENGTH].rstrip("-._")
    return name or "imported"


def _postgres_from_url(url: str, name: str | None) -> tuple[Profile, str | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]  # SQLAlchemy driver suffixes mean nothing to libpq
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "ssl" and value in SSLMODES:  # asyncpg spells sslmode `ssl`
            key = "sslmode"
        elif key == "ssl" and value.lower() in ("true", "1"):
            key, value = "sslmode", "require"
        if key in _LIBPQ_QUERY_KEYS:
            query.append((key, value))
    # quote, not urlencode's default quote_plus: libpq reads '+' as a plus, so a space
    # (options=-c%20search_path=x) must stay %20.
    clean = urlunsplit(("postgresql" if scheme in ("postgres", "postgresql") else scheme,
                        parts.netloc, parts.path, urlencode(query, quote_via=quote), ""))
    try:
        params = conninfo_to_dict(clean)
    except Exception as exc:  # psycopg.ProgrammingError: libpq's own words
        raise SourceError(f"not a valid PostgreSQL URL: {_first_line(exc)}") from None
    return _profile_from_params(params, name)


def _first_line(exc: Exception) -> str:
    from tui.formatting import first_line
    from tui.secrets import redact

    return redact(first_line(exc))


def _profile_from_params(params: dict[str, object], name: str | None) -> tuple[Profile, str | None]:
    password = params.pop("password", None)
    values: dict[str, object] = {}
    for key, value in params.items():
        target = _PROFILE_KEYS.get(key)
        if target is None or value in (None, ""):
            continue
        if target in ("port", "connect_timeout"):
            text = str(value)
            if not text.isdigit():
                if target == "port" and "," in text:  # multi-host: keep libpq's list as text
                    values["host"] = params.get("host")
                    continue
                raise SourceError(f"{key} must be a number, got {text!r}")
            if target == "port" and not 1 <= int(text) <= 65535:
                raise SourceError(f"port must be from 1 to 65535, got {text}")
            values[target] = int(text)
        elif target == "sslmode" and value not in SSLMODES:
            raise SourceError(f"unknown sslmode {value!r}: expected one of {', '.join(SSLMODES)}")
        else:
            values[target] = str(value)
    default_name = str(values.get("database") or values.get("host") or "imported")
    profile = Profile(name=_safe_name(name or default_name), driver="postgresql", **values)  # type: ignore[arg-type]
    return profile, str(password) if password else None


def _sqlite_from_url(url: str, name: str | None, base_dir: Path) -> Profile:
    # sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's convention)
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", ""):
        raise SourceError("an in-memory SQLite URL (sqlite://) has no file to open")
    raw_path = unquote(rest[1:].split("?", 1)[0])
    path = Path(raw_path) if raw_path.startswith("/") else (base_dir / raw_path)
    return Profile(name=_safe_name(name or path.stem), driver="sqlite", path=str(path.resolve()))


def parse_source(
    text: str, name: str | None = None, base_dir: Path | None = None
) -> ImportedProfile:
    """Parse one URL or key=value DSN."""
    text = text.strip()
    base_dir = base_dir or Path.cwd()
    if not text:
        raise SourceError("nothing to import: the source is empty")
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme.split("+", 1)[0] == "sqlite":
        return ImportedProfile(_sqlite_from_url(text, name, base_dir), None, "URL")
    if scheme.split("+", 1)[0] in ("postgresql", "postgres"):
        profile, password = _postgres_from_url(text, name)
        return ImportedProfile(profile, password, "URL")
    if scheme:
        raise SourceError(
            f"unsupported scheme '{scheme}://': expected postgresql://, postgres:// or sqlite:///"
        )
    if "=" in text:
        try:
            params = conninfo_to_dict(text)
        except Exception as exc:
            raise SourceError(f"not a valid key=value connection string: {_first_line(exc)}") from None
        profile, password = _profile_from_params(dict(params), name)
        return ImportedProfile(profile, password, "DSN")
    raise SourceError(
        "not a URL, a key=value connection string or an existing .env file"
    )


def parse_env_file(path: Path, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """Every `DATABASE_URL` / `*_DB_URL` line of a .env file, as profiles. An empty
    one (`X_DB_URL=`) is skipped, with a line in `notes` saying so."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read {path}: {exc}") from None
    found: list[ImportedProfile] = []
    for line in text.splitlines():
        match = _ENV_LINE.match(line)
        if not match or not _is_url_variable(match["key"]):
            continue
        key = match["key"]
        prefix = key.removesuffix("_URL").removesuffix("_DATABASE").removesuffix("_DB")
        default = name if (name and key == "DATABASE_URL") else None
        if key != "DATABASE_URL":
            default = f"{name}-{prefix}" if name else prefix
        value = _strip_env_value(match["value"])
        if not value.strip():
            if notes is not None:
                notes.append(f"{path.name}: {key} is empty, skipped")
            continue
        try:
            imported = parse_source(value, default, path.parent)
        except SourceError as exc:
            raise SourceError(f"{path}: {key}: {exc}") from None
        found.append(ImportedProfile(imported.profile, imported.password, f"{key} in {path.name}"))
    if not found:
        raise SourceError(f"{path}: no DATABASE_URL or *_DB_URL line found")
    return found


def import_source(source: str, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """A URL, a DSN or the path of a .env file, as profiles to add; what was skipped
    is added to `notes`."""
    candidate = Path(source).expanduser()
    if "://" not in source and "=" not in source and candidate.is_file():
        return parse_env_file(candidate, name, notes)
    if "://" not in source and "=" not in source and (
        candidate.name.startswith(".env") or candidate.suffix == ".env"
    ):
        raise SourceError(f"{candidate}: no such file")
    return [parse_source(source, name)]


def unique_name(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, … if it is taken."""
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"
