"""Optional queries switched off for the session after their first privilege
or support failure, so a server's log is not flooded with one error per tick."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from psycopg import errors

from tui.db.base import ServerInfo
from tui.formatting import first_line

T = TypeVar("T")

# Errors that will not go away by asking again.
PERMANENT_ERRORS: tuple[type[Exception], ...] = (
    errors.InsufficientPrivilege, errors.FeatureNotSupported, errors.UndefinedFunction,
    errors.UndefinedTable, errors.UndefinedColumn, errors.ObjectNotInPrerequisiteState,
)

# What each optional feature shows, for the banner.
FEATURE_LABELS = {
    "pulse": "server counters (pg_stat_database)",
    "replication": "replication lag",
    "statements": "top statements (pg_stat_statements)",
    "locks": "locks",
    "tables": "table statistics",
    "indexes": "index statistics",
    "progress": "progress of maintenance commands",
}


@dataclass
class Features:
    """Which optional queries still run, and why the others stopped."""

    off: dict[str, str] = field(default_factory=dict)

    def enabled(self, name: str) -> bool:
        return name not in self.off

    def run(self, name: str, fetch: Callable[[], T], default: T) -> T:
        """fetch(), or `default` once `name` failed for a lasting reason."""
        if name in self.off:
            return default
        try:
            return fetch()
        except PERMANENT_ERRORS as exc:
            self.off[name] = first_line(exc)
            return default

    def banner_parts(self) -> list[str]:
        return [f"{FEATURE_LABELS.get(name, name)} off: {reason}" for name, reason in self.off.items()]


def privilege_banner(info: ServerInfo, features: Features) -> str:
    """What is hidden from this role and which role would reveal it; "" if nothing."""
    parts: list[str] = []
    if not (info.is_superuser or info.can_monitor):
        parts.append(f"{info.current_user or 'this role'} sees only its own sessions' queries, states "
                     "and waits; grant pg_monitor (or pg_read_all_stats) to see all")
    parts.extend(features.banner_parts())
    return " · ".join(parts)
