"""The databases on the server a workspace is connected to: what the catalog's
database level lists, and whether this role may switch to each."""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.base import Database
from tui.sql import databases as sql


@dataclass(frozen=True)
class ServerDatabase:
    """One database of the server, as this role sees it."""

    name: str
    owner: str
    connection_limit: int  # -1: no limit
    allows_connections: bool  # datallowconn
    may_connect: bool  # has_database_privilege(…, 'CONNECT')
    size: int | None  # None where the role may not measure it
    current: bool

    @property
    def kind(self) -> str:
        """Beside the catalog's entries in the sidebar: what this node is."""
        return "database"

    @property
    def refusal(self) -> str | None:
        """Why switching to it would fail, said before trying (None when it would not)."""
        if not self.allows_connections:
            return (f"'{self.name}' does not accept connections (datallowconn is false): "
                    "ALTER DATABASE … WITH ALLOW_CONNECTIONS true lets it")
        if not self.may_connect:
            return (f"this role may not connect to '{self.name}' (no CONNECT privilege): "
                    f"GRANT CONNECT ON DATABASE … TO the role, or use another profile")
        return None

    @property
    def limit_text(self) -> str:
        return "no limit" if self.connection_limit < 0 else f"limit {self.connection_limit}"


def server_databases(database: Database) -> list[ServerDatabase]:
    """Every non-template database, the current one first. PostgreSQL only."""
    return [ServerDatabase(r["name"], r["owner"], r["connection_limit"], r["allows_connections"],
                           r["may_connect"], r["size"], r["current"])
            for r in database.catalog_rows(sql.SERVER_DATABASES)]


def storage_key(profile_name: str, home_database: str | None, database: str | None) -> str:
    """The name editor tabs and history are kept under: the profile's own for its own
    database, one per database switched to (`staging__db__reports`)."""
    if database is None or database == home_database:
        return profile_name
    return f"{profile_name}__db__{database}"


def switched_storage_keys(profile_name: str) -> set[str]:
    """The storage keys of the databases this profile was switched to (from the
    editor and history files on disk): what follows the profile's rename."""
    import re

    from tui.paths import data_dir

    prefix = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{profile_name}__db__")
    keys: set[str] = set()
    for folder, suffix in ((data_dir() / "editor", ".sql"), (data_dir() / "history", ".jsonl")):
        if folder.is_dir():
            for path in folder.glob(f"{prefix}*{suffix}"):
                key = path.name.removesuffix(suffix)
                keys.add(re.sub(r"\.\d+$", "", key) if suffix == ".sql" else key)
    return keys
