"""Turn what people paste into profiles: URLs and DSNs (`urls`), environment
variables (`variables`), the files that hold them (`files`), and the preview of
what an import will create (`plan`).

The password found in a source is returned beside the profile, never inside it:
the caller moves it to the keyring.
"""

from __future__ import annotations

import re
from pathlib import Path

from tui.profiles.imports.files import (
    MAX_SOURCE_BYTES,
    import_file,
    import_text,
    is_psql_line,
    parse_psql_line,
    with_compose_hint,
)
from tui.profiles.imports.plan import ImportPlan, plan_import
from tui.profiles.imports.urls import ImportedProfile, SourceError, parse_source, unique_name

__all__ = [
    "MAX_SOURCE_BYTES", "ImportPlan", "ImportedProfile", "SourceError", "import_file", "import_source", "import_text",
    "is_psql_line", "parse_env_file", "parse_psql_line", "parse_source", "plan_import", "unique_name",
]


def import_source(source: str, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """A URL, a DSN, a psql command line, the path of a file holding connections
    (.env, alembic.ini, docker-compose.yml, .properties) or pasted text holding
    them, as profiles to add; what was skipped is added to `notes`. A host that is
    a docker-compose service name gets its hint here, whatever the source."""
    return [with_compose_hint(item) for item in _read_source(source.strip(), name, notes)]


def _read_source(text: str, name: str | None, notes: list[str] | None) -> list[ImportedProfile]:
    if not text:
        raise SourceError("nothing to import: the source is empty")
    if "\n" in text or "\r" in text:
        return import_text(text, name, notes)
    if is_psql_line(text):
        return [parse_psql_line(text, name)]
    if "://" not in text and "=" not in text:
        candidate = Path(text).expanduser()
        if candidate.is_file():
            return import_file(candidate, name, notes)
        if "/" in text or text.startswith(("~", ".")) or candidate.suffix in (".env", ".ini", ".yml", ".yaml"):
            raise SourceError(f"{candidate}: no such file")
    if _URL.match(text) or _is_dsn(text):
        return [parse_source(text, name)]
    return import_text(text, name, notes)


_URL = re.compile(r"^(?:jdbc:)?[A-Za-z][A-Za-z0-9+.-]*://", re.I)


def _is_dsn(text: str) -> bool:
    """`host=db dbname=shop …`: libpq's own keywords (lower case), unlike the
    `DB_HOST=…` / `PGHOST=…` variables pasted from an environment."""
    from psycopg import pq

    first = re.match(r"^([a-z_]+)\s*=", text)
    return first is not None and first[1] in {o.keyword.decode() for o in pq.Conninfo.get_defaults()}


def parse_env_file(path: Path, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """Every connection in a file (kept under its old name: `.env` was the first kind)."""
    return import_file(path, name, notes)
