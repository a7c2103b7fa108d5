"""Where saved queries live and how they are found by name.

- project: `bastion-queries.sql` in the current directory (a team commits it);
- profile: `<data dir>/saved/<profile>.sql`, this profile's own;
- health: the pack shipped with bastion (`health.*`, PostgreSQL only).

A name is looked up in that order. Values typed for a query's parameters are
remembered per query in `<data dir>/saved-params.json` (mode 0600).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tui.paths import atomic_write, data_dir
from tui.services.saved.files import SavedFile, SavedFileError, SavedQuery, read_saved, with_scope

PROJECT_FILE = "bastion-queries.sql"
SCOPES = ("project", "profile", "health")
MAX_REMEMBERED_VALUE = 4096  # characters: a value longer than this is not remembered


def health_pack_path() -> Path:
    """The shipped health pack (tui/sql/health/pack.sql)."""
    return Path(__file__).resolve().parent.parent.parent / "sql" / "health" / "pack.sql"


def profile_file_path(profile_name: str) -> Path:
    """The profile's own saved queries."""
    return data_dir() / "saved" / f"{profile_name}.sql"


def params_memory_path() -> Path:
    return data_dir() / "saved-params.json"


@dataclass
class SavedLibrary:
    """The saved queries one profile sees, and the problems found reading them."""

    profile_name: str
    project_dir: Path = field(default_factory=Path.cwd)
    with_health: bool = True  # the pack is PostgreSQL SQL: not for SQLite profiles
    files: dict[str, SavedFile] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, profile_name: str, project_dir: Path | None = None, with_health: bool = True) -> SavedLibrary:
        """Read the three scopes; a file that does not parse is a problem, not a crash."""
        library = cls(profile_name, project_dir or Path.cwd(), with_health)
        library.reload()
        return library

    def path_of(self, scope: str) -> Path:
        if scope == "project":
            return self.project_dir / PROJECT_FILE
        if scope == "profile":
            return profile_file_path(self.profile_name)
        return health_pack_path()

    def reload(self) -> None:
        self.files.clear()
        self.problems.clear()
        for scope in SCOPES:
            if scope == "health" and not self.with_health:
                continue
            try:
                self.files[scope] = read_saved(self.path_of(scope), scope)
            except SavedFileError as exc:
                self.problems.append(str(exc))

    def queries(self) -> list[SavedQuery]:
        """Every query, project first; a name already seen is hidden by the first."""
        seen: set[str] = set()
        found: list[SavedQuery] = []
        for scope in SCOPES:
            for query in self.files.get(scope, SavedFile()).queries:
                if query.name not in seen:
                    seen.add(query.name)
                    found.append(query)
        return found

    def find(self, name: str) -> SavedQuery:
        """The query of that name; KeyError with a message naming the places looked in."""
        for query in self.queries():
            if query.name == name:
                return query
        where = ", ".join(str(self.path_of(scope)) for scope in SCOPES if scope != "health")
        problems = f" ({'; '.join(self.problems)})" if self.problems else ""
        raise KeyError(f"no saved query named {name!r} (looked in {where} and the health pack){problems}")

    def save(self, query: SavedQuery, scope: str = "profile") -> Path:
        """Add or replace the query in the project's or the profile's file (atomic,
        comments of the file kept); returns the file written."""
        if scope not in ("project", "profile"):
            raise ValueError(f"cannot save into {scope!r}")
        path = self.path_of(scope)
        saved = read_saved(path, scope)  # the file as it is now, not as we read it before
        saved.upsert(with_scope(query, scope))
        atomic_write(path, saved.render(), mode=0o600 if scope == "profile" else 0o644, backup=False)
        self.files[scope] = saved
        return path

    def remembered_values(self, query: SavedQuery) -> dict[str, str]:
        """The values last typed for this query's parameters."""
        return dict(_read_memory().get(_memory_key(self.profile_name, query), {}))

    def remember_values(self, query: SavedQuery, values: dict[str, str | None]) -> None:
        """Keep the values typed for next time (short text values only)."""
        memory = _read_memory()
        kept = {k: v for k, v in values.items() if v is not None and len(v) <= MAX_REMEMBERED_VALUE}
        memory[_memory_key(self.profile_name, query)] = kept
        atomic_write(params_memory_path(), json.dumps(memory, indent=1, sort_keys=True) + "\n", backup=False)


def _memory_key(profile_name: str, query: SavedQuery) -> str:
    return f"{profile_name}/{query.scope}/{query.name}"


def _read_memory() -> dict[str, dict[str, str]]:
    try:
        data = json.loads(params_memory_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
