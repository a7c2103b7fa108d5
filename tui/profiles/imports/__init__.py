"""Turn what people paste into profiles: URLs and DSNs (`urls`), environment
variables (`variables`), the files that hold them (`files`), and the preview of
what an import will create (`plan`).

The password found in a source is returned beside the profile, never inside it:
the caller moves it to the keyring.
"""

from __future__ import annotations

from pathlib import Path

from tui.profiles.imports.files import MAX_SOURCE_BYTES, import_file, is_psql_line, parse_psql_line
from tui.profiles.imports.plan import ImportPlan, plan_import
from tui.profiles.imports.urls import ImportedProfile, SourceError, parse_source, unique_name

__all__ = [
    "MAX_SOURCE_BYTES", "ImportPlan", "ImportedProfile", "SourceError", "import_file", "import_source",
    "is_psql_line", "parse_env_file", "parse_psql_line", "parse_source", "plan_import", "unique_name",
]


def import_source(source: str, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """A URL, a DSN, a psql command line or the path of a file holding connections
    (.env, alembic.ini, docker-compose.yml, .properties), as profiles to add; what was
    skipped is added to `notes`."""
    text = source.strip()
    if is_psql_line(text):
        return [parse_psql_line(text, name)]
    candidate = Path(text).expanduser()
    looks_like_path = "://" not in text and "=" not in text
    if looks_like_path and candidate.is_file():
        return import_file(candidate, name, notes)
    if looks_like_path and (candidate.name.startswith(".env") or candidate.suffix in (".env", ".ini", ".yml", ".yaml")):
        raise SourceError(f"{candidate}: no such file")
    return [parse_source(text, name)]


def parse_env_file(path: Path, name: str | None = None, notes: list[str] | None = None) -> list[ImportedProfile]:
    """Every connection in a file (kept under its old name: `.env` was the first kind)."""
    return import_file(path, name, notes)
