"""What every database backend offers the rest of bastion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    import sqlite3

    import psycopg

    from tui.db.roles import Role
    from tui.profiles import Profile

# One row of a read, by column name (values as the driver gives them).
Row: TypeAlias = dict[str, Any]
# A query's parameters: named (`%(name)s` on PostgreSQL, `:name` on SQLite).
Params: TypeAlias = "dict[str, Any] | None"
# A connection of its own, as `Database.connect` opens it for one role.
Connection: TypeAlias = "psycopg.Connection[Any] | sqlite3.Connection"


@dataclass(frozen=True)
class ServerInfo:
    """Facts probed once on connect, for the header and the panes."""

    kind: str  # "postgresql", "sqlite" or "pgbouncer" (its admin console)
    version: str  # e.g. "16.4" or "3.45.1"
    version_num: int = 0  # server_version_num (PostgreSQL), 0 for SQLite
    current_user: str | None = None
    database: str | None = None
    backend_pid: int | None = None
    is_superuser: bool = False
    can_monitor: bool = False  # superuser, pg_monitor or pg_read_all_stats
    in_recovery: bool = False
    read_only: bool = False  # enforced by the server / the file mode
    pooler: str | None = None  # "pgbouncer" or "a pooler?" when one sits in between (startup options lost)
    pool_mode: str | None = None  # the pooler's: session, transaction, statement; "unknown" if it would not say
    server_port: int | None = None  # the port the backend took this session on (None: a Unix socket)
    statement_timeout: str | None = None  # as the session has it, in the server's words ("5s")
    search_path: str | None = None  # as the session has it

    @property
    def product(self) -> str:
        # server_version may carry a distribution suffix: "15.18 (Debian 15.18-0+deb12u1)"
        short = self.version.split(" ", 1)[0]
        return {"postgresql": "PostgreSQL ", "pgbouncer": "PgBouncer "}.get(self.kind, "SQLite ") + short


@dataclass(frozen=True)
class Transport:
    """How the main connection travels: local facts, no round trip."""

    tunnel: str | None = None  # the ssh tunnel's description
    tls: bool | None = None  # TLS in use; None: no network connection (a SQLite file)
    sslmode: str | None = None  # as the profile says (None: libpq's default, prefer)
    password_used: bool = False  # the server asked for a password, and got one

    @property
    def tls_verified(self) -> bool:
        """The profile asks libpq to check the server's certificate."""
        return self.sslmode in ("verify-ca", "verify-full")


class ConnectFailure(Exception):
    """A connection attempt failed, explained for a person.

    `kind` lets the UI react: "password_required" and "auth" lead to a password
    prompt, the others are shown as they are.
    """

    KINDS = (
        "password_required", "auth", "unreachable", "timeout", "tls",
        "missing_file", "database_missing", "unsupported", "tunnel", "not_postgres", "not_allowed", "other",
    )

    def __init__(self, kind: str, message: str, hint: str = ""):
        assert kind in self.KINDS, kind
        self.kind = kind
        self.message = message
        self.hint = hint
        super().__init__(f"{message}" + (f"\n{hint}" if hint else ""))

    @property
    def wants_password(self) -> bool:
        return self.kind in ("password_required", "auth")


class Database(Protocol):
    """An open connection to one database, as the panes see it."""

    info: ServerInfo
    profile: Profile

    def connect(self, role: Role | str) -> Connection:
        """A new connection of its own for one role (tui/db/roles.py), with that
        role's policy; raises ConnectFailure. Blocking: call from a worker."""
        ...

    def catalog_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a catalog read on the main connection that never queues behind
        an application's lock (PostgreSQL: psycopg.errors.LockNotAvailable instead)."""
        ...

    def read_rows(self, query: str, params: Params = None) -> list[Row]:
        """Rows of a plain read (SELECT only), never a write: the migrations pane's."""
        ...

    def quote_table(self, schema: str, name: str) -> str:
        """A table's name quoted for this database's SQL (a template's `{t}`)."""
        ...

    def transport(self) -> Transport:
        """How the main connection travels (tunnel, TLS, password): no round trip."""
        ...

    def close(self) -> None: ...

    def cancel(self) -> None:
        """Cancel whatever statement is running (no-op if none)."""
        ...

    def ping(self) -> bool:
        """True while the connection answers (blocking: call from a worker)."""
        ...

    def reconnect(self) -> None:
        """Open the connection again after it was lost; raises ConnectFailure."""
        ...

    def watch_tunnel(self, on_drop: Callable[[str], None] | None) -> None:
        """Hear at once (from another thread) when the connection's ssh tunnel dies."""
        ...
