"""One pasted URL (postgresql://, SQLAlchemy's postgresql+driver://, JDBC,
sqlite:///) or key=value DSN, as a profile.

The password found in a source is returned beside the profile, never inside it:
the caller moves it to the keyring.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
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
    hints: tuple[str, ...] = ()  # e.g. a docker-compose service name used as the host

    def with_changes(self, **changes: Any) -> ImportedProfile:
        from dataclasses import replace

        return replace(self, **changes)


# libpq's URI query parameters that map onto profile keys; others are dropped.
_PROFILE_KEYS = {
    "host": "host", "port": "port", "dbname": "database", "user": "user",
    "service": "service", "sslmode": "sslmode", "sslrootcert": "sslrootcert",
    "sslcert": "sslcert", "sslkey": "sslkey", "connect_timeout": "connect_timeout",
    "application_name": "application_name", "options": "options",
}
_LIBPQ_QUERY_KEYS = set(_PROFILE_KEYS) | {"password", "target_session_attrs", "sslpassword"}
_URL_START = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.S)


def _encode_raw_userinfo(url: str) -> str:
    """`postgresql://u:p@ss#1/x@host/db` as people paste it: the host is after the
    last `@`, so a password with `@ : / # ?` is encoded instead of cutting the URL."""
    match = _URL_START.match(url)
    if not match or "@" not in match["rest"]:
        return url
    userinfo, _, hostpart = match["rest"].rpartition("@")
    if not any(c in userinfo for c in "@/#?"):
        return url
    user, colon, password = userinfo.partition(":")

    def encode(text: str) -> str:  # a %XX already there stays; a lone % is a percent sign
        return quote(re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", text), safe="%")

    encoded = encode(user) + (colon + encode(password) if colon else "")
    return f"{match['scheme']}://{encoded}@{hostpart}"


# Room for unique_name's "-2", "-3", … within the profile name limit.
_IMPORTED_NAME_LENGTH = MAX_NAME_LENGTH - 4


def safe_name(text: str) -> str:
    """`text` as a profile name: lower case, runs of other characters as `-`."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._").lower()[:_IMPORTED_NAME_LENGTH].rstrip("-._")
    return name or "imported"


def _postgres_from_url(url: str, name: str | None) -> tuple[Profile, str | None]:
    parts = urlsplit(_encode_raw_userinfo(url))
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
    return profile_from_params(params, name)


def _first_line(exc: Exception) -> str:
    from tui.formatting import first_line
    from tui.secrets import redact

    return redact(first_line(exc))


def profile_from_params(params: dict[str, object], name: str | None) -> tuple[Profile, str | None]:
    """libpq's connection keywords (dbname, user, …) as a profile and its password."""
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
    profile = Profile(name=safe_name(name or default_name), driver="postgresql", **values)  # type: ignore[arg-type]
    return profile, str(password) if password else None


def _sqlite_from_url(url: str, name: str | None, base_dir: Path) -> Profile:
    # sqlite:///relative.db, sqlite:////absolute.db (SQLAlchemy's convention)
    rest = url.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", ""):
        raise SourceError("an in-memory SQLite URL (sqlite://) has no file to open")
    raw_path = unquote(rest[1:].split("?", 1)[0])
    path = Path(raw_path) if raw_path.startswith("/") else (base_dir / raw_path)
    return Profile(name=safe_name(name or path.stem), driver="sqlite", path=str(path.resolve()))


def parse_source(
    text: str, name: str | None = None, base_dir: Path | None = None
) -> ImportedProfile:
    """Parse one URL or key=value DSN."""
    text = text.strip()
    base_dir = base_dir or Path.cwd()
    if not text:
        raise SourceError("nothing to import: the source is empty")
    jdbc = text.lower().startswith("jdbc:")
    if jdbc:  # jdbc:postgresql://host:5432/db?user=u&password=p&ssl=true
        text = text[5:]
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme.split("+", 1)[0] == "sqlite":
        return ImportedProfile(_sqlite_from_url(text, name, base_dir), None, "URL")
    if scheme.split("+", 1)[0] in ("postgresql", "postgres"):
        profile, password = _postgres_from_url(text, name)
        return ImportedProfile(profile, password, "JDBC URL" if jdbc else "URL")
    if scheme:
        raise SourceError(
            f"unsupported scheme '{scheme}://': expected postgresql://, postgres:// or sqlite:///"
        )
    if "=" in text:
        try:
            params = conninfo_to_dict(text)
        except Exception as exc:
            raise SourceError(f"not a valid key=value connection string: {_first_line(exc)}") from None
        profile, password = profile_from_params(dict(params), name)
        return ImportedProfile(profile, password, "DSN")
    raise SourceError(
        "not a URL, a key=value connection string or an existing .env file"
    )


def unique_name(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`, … if it is taken."""
    if wanted not in taken:
        return wanted
    number = 2
    while f"{wanted}-{number}" in taken:
        number += 1
    return f"{wanted}-{number}"
