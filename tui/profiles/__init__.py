"""Connection profiles: the model everyone imports, reading YAML with precise
errors, the profiles file, and imports from what people paste (URLs, DSNs, .env).

`from tui.profiles import Profile` keeps working for every public name; the
importers (`tui.profiles.imports`) load only when first asked for, since they
pull in psycopg.
"""

from __future__ import annotations

from typing import Any

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
from tui.profiles.parse import (
    MIGRATIONS_RULES,
    NAME_PATTERN,
    PROFILE_RULES,
    SSH_RULES,
    name_problem,
    parse_profile,
    statement_timeout_problem,
)
from tui.profiles.store import (
    MAX_PROFILES_FILE_BYTES,
    PROFILE_FILE_ENV,
    ProfileStore,
    default_profiles_path,
    profile_to_dict,
)

_IMPORTS = ("ImportedProfile", "SourceError", "import_source", "parse_env_file", "parse_source", "unique_name")

__all__ = [
    "COLORS", "DRIVERS", "MAX_NAME_LENGTH", "MAX_PROFILES_FILE_BYTES", "MIGRATIONS_RULES", "NAME_PATTERN",
    "PASSWORD_SOURCES", "PROFILE_FILE_ENV", "PROFILE_RULES", "SSH_RULES", "SSLMODES",
    "MigrationsConfig", "Problem", "Profile", "ProfileFileError", "ProfileStore", "SshConfig",
    "default_profiles_path", "name_problem", "parse_profile", "profile_to_dict", "statement_timeout_problem",
    *_IMPORTS,
]


def __getattr__(name: str) -> Any:
    if name in _IMPORTS:
        from tui.profiles import imports

        return getattr(imports, name)
    raise AttributeError(f"module 'tui.profiles' has no attribute {name!r}")
