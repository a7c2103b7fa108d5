"""The connection role of monitors that watch many servers (the fleet view):
read-only and safe behind a transaction pooler.

- No startup `options`: PgBouncer before 1.20 refuses them, or drops them
  silently when told to ignore them, so nothing may depend on them.
- No server-side prepared statements (connect_with's rule, unless the
  profile opts in): in transaction pooling the next transaction may run on
  another server.
- Settings only per transaction (`SET LOCAL` through `read_only_transaction`):
  the server connection goes back to the pool as it came.
- A short connect timeout: one host that hangs must not hold up the others.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg

from tui.db.base import ConnectFailure
from tui.db.postgres import connect_with, connection_params
from tui.db.tunnel import SshTunnel
from tui.profiles import Profile

MONITOR_APPLICATION_NAME = "bastion fleet"


def open_monitor_connection(profile: Profile, password: str | None, tunnel: SshTunnel | None = None,
                            connect_timeout: int = 5) -> psycopg.Connection[Any]:
    """An autocommit connection for read-only polling; raises ConnectFailure."""
    params = connection_params(profile, password, tunnel)
    params.pop("options", None)  # the profile's read-only and timeouts are applied per transaction
    params["application_name"] = MONITOR_APPLICATION_NAME
    params["connect_timeout"] = str(min(connect_timeout, int(params.get("connect_timeout", connect_timeout))))
    return connect_with(params, profile, tunnel)


@contextlib.contextmanager
def read_only_transaction(conn: psycopg.Connection[Any], statement_timeout_ms: int,
                          lock_timeout_ms: int = 500) -> Iterator[psycopg.Connection[Any]]:
    """A READ ONLY transaction whose timeouts end with it (`set_config(…, true)`)."""
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
                     (f"{statement_timeout_ms}ms", f"{lock_timeout_ms}ms"))
        yield conn


__all__ = ["ConnectFailure", "MONITOR_APPLICATION_NAME", "open_monitor_connection", "read_only_transaction"]
