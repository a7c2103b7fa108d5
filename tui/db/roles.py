"""Every kind of connection bastion opens, and its policy, written once.

A role says how a connection presents itself (application_name), whether it
may carry the profile's startup `options` (read-only, statement_timeout,
search_path: PgBouncer before 1.20 refuses them, or drops them when told to
ignore them), and what each of its transactions sets. Rules for all roles:

- No server-side prepared statements unless the profile opts in
  (`connect_with`): in transaction pooling the next transaction may run on
  another server ("_pg3_0 does not exist").
- Settings only per transaction (`set_config(…, true)`, `SET TRANSACTION`
  through `role_transaction`): the server connection goes back to a pool as it
  came.
- Read-only as the server enforces it: ServerInfo.read_only is probed, never
  assumed from the profile.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

    from tui.profiles import Profile

# A role's statement_timeout that is the profile's own `statement_timeout`.
PROFILE_TIMEOUT = "profile"


@dataclass(frozen=True)
class Role:
    """One kind of connection and what it may do."""

    name: str
    application_name: str | None = None  # None: the profile's, else libpq's fallback "bastion"
    startup_options: bool = True  # carries the profile's `options` (read-only, timeouts, search_path)
    statement_timeout: str | None = None  # per transaction; PROFILE_TIMEOUT: the profile's
    lock_timeout: str | None = None  # per transaction
    read_only: bool = False  # its transactions READ ONLY (SQLite: the file opened mode=ro)
    connect_timeout: int | None = None  # at most this many seconds to connect
    note: str = ""  # what else holds for it, in a line

    def statement_timeout_for(self, profile: Profile) -> str | None:
        """The statement_timeout its transactions set, for this profile."""
        if self.statement_timeout == PROFILE_TIMEOUT:
            return str(profile.statement_timeout) if profile.statement_timeout else None
        return self.statement_timeout


WORKSPACE = Role("workspace", lock_timeout="300ms",
                 note="the main connection; catalog reads give up on a lock after lock_timeout")
QUERY = Role("query", note="the editor's own; the user's transactions, the profile's options (per "
              "transaction with set_local where a pooler refused them: tui/services/query/transaction.py)")
BROWSE = Role("browse", statement_timeout=PROFILE_TIMEOUT, read_only=True,
              note="every page read in a READ ONLY transaction of its own")
ACTIVITY = Role("activity", application_name="bastion activity",
                note="statement_timeout per tick, below the refresh interval (the monitor sets it)")
ACTIVITY_ACTIONS = Role("activity actions", application_name="bastion activity actions", statement_timeout="5s",
                        note="cancel/terminate and the detail views")
SERVER = Role("server", note="the server pane's replication and settings reads")
POOLER_CONSOLE = Role("pooler console", startup_options=False,
                      note="PgBouncer's admin console: SHOW in the simple query protocol only")
MIGRATIONS = Role("migrations", read_only=True,
                  note="SELECTs only; PostgreSQL: on the workspace connection, SQLite: its own mode=ro engine")
COMPLETION = Role("completion", read_only=True, note="a few catalog reads for the editor's completion")
EXPORT = Role("export", read_only=True, note="f8 runs the shown statement again: the server refuses a write")
CONNECTION_CHECK = Role("connection check", note="`profiles test`: opens like the workspace, hop by hop")
FLEET_MONITOR = Role("fleet monitor", application_name="bastion fleet", startup_options=False,
                     lock_timeout="500ms", read_only=True, connect_timeout=5,
                     note="statement_timeout per poll, the poller's deadline; one host must not hold up others")
DUMP = Role("dump", application_name="bastion dump",
            note="pg_dump as a child process: settings through its environment, the password through a "
                 "0600 in-memory passfile")
RESTORE = Role("restore", application_name="bastion restore",
               note="pg_restore / psql as a child process; refused on read-only profiles, typed name on production")
IMPORT = Role("import", application_name="bastion import",
              note="COPY … FROM STDIN of a CSV file in one transaction: a bad row rolls everything back")
BROWSE_WRITE = Role("browse write", statement_timeout=PROFILE_TIMEOUT, lock_timeout="5s",
                   note="Browse's staged edits: one transaction per change set, opened for it and closed after; "
                        "a locked row gives up after lock_timeout")

CLI_QUERY = Role("cli query", application_name="bastion query",
                 note="`bastion query`: the profile's options; on production each statement tried READ ONLY first")
MCP_READER = Role("mcp", application_name="bastion mcp", read_only=True, statement_timeout="30s",
                  note="`bastion mcp`: every tool call in a READ ONLY transaction, whatever the profile says")
HEALTH = Role("health", read_only=True, statement_timeout="30s", lock_timeout="1s",
              note="the health pack's checks: reads of statistics views")

ROLES: dict[str, Role] = {role.name: role for role in (
    WORKSPACE, QUERY, BROWSE, ACTIVITY, ACTIVITY_ACTIONS, SERVER, POOLER_CONSOLE, MIGRATIONS, COMPLETION,
    EXPORT, CONNECTION_CHECK, FLEET_MONITOR, DUMP, RESTORE, IMPORT, CLI_QUERY, MCP_READER, HEALTH, BROWSE_WRITE,
)}


def role_named(role: Role | str) -> Role:
    """A Role from itself or its name (KeyError for a name no role has)."""
    return role if isinstance(role, Role) else ROLES[role]


def role_params(params: dict[str, Any], role: Role, connect_timeout: int | None = None) -> dict[str, Any]:
    """libpq keywords for `role`, from the profile's (a copy: `params` is kept)."""
    params = dict(params)
    if not role.startup_options:
        params.pop("options", None)  # the profile's read-only and timeouts are applied per transaction
    if role.application_name is not None:
        params["application_name"] = role.application_name
    limit = connect_timeout if connect_timeout is not None else role.connect_timeout
    if limit is not None:
        params["connect_timeout"] = str(min(limit, int(params.get("connect_timeout", limit))))
    return params


@contextlib.contextmanager
def role_transaction(conn: psycopg.Connection[Any], role: Role, *, statement_timeout: str | None = None,
                     lock_timeout: str | None = None) -> Iterator[psycopg.Connection[Any]]:
    """A transaction with the role's settings, which end with it (`set_config(…, true)`).

    `statement_timeout` / `lock_timeout` stand in for the role's where the caller
    knows better (a poll's deadline, the profile's timeout resolved)."""
    settings = [(name, value) for name, value in (
        ("statement_timeout", statement_timeout or role.statement_timeout),
        ("lock_timeout", lock_timeout or role.lock_timeout),
    ) if value and value != PROFILE_TIMEOUT]
    with conn.transaction():
        if role.read_only:
            conn.execute("SET TRANSACTION READ ONLY")
        set_local(conn, settings)
        yield conn


# The settings set_local may set: its names are literals from here, never typed by a user.
LOCAL_SETTINGS = frozenset({"statement_timeout", "lock_timeout", "search_path"})


def set_local(conn: psycopg.Connection[Any], settings: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> None:
    """Set `settings` (name, value) for the open transaction only (`set_config(…, true)`):
    nothing is left on a server connection a pooler hands to the next client."""
    if not settings:
        return
    unknown = {name for name, _value in settings} - LOCAL_SETTINGS
    if unknown:
        raise ValueError(f"not a per-transaction setting of bastion: {sorted(unknown)}")
    # The names are this module's literals; the values are parameters.
    calls = ", ".join(f"set_config('{name}', %s, true)" for name, _value in settings)
    conn.execute(f"SELECT {calls}", tuple(value for _name, value in settings))


__all__ = [
    "ACTIVITY", "ACTIVITY_ACTIONS", "BROWSE", "CLI_QUERY", "COMPLETION", "CONNECTION_CHECK", "DUMP", "EXPORT",
    "FLEET_MONITOR", "HEALTH", "IMPORT", "MCP_READER", "MIGRATIONS", "POOLER_CONSOLE", "PROFILE_TIMEOUT", "QUERY",
    "RESTORE", "ROLES", "Role", "SERVER", "WORKSPACE", "role_named", "role_params", "role_transaction", "set_local",
    "BROWSE_WRITE",
]
