"""Old names of the fleet monitor's connection role: its policy is FLEET_MONITOR
in tui/db/roles.py (no startup options, per-transaction READ ONLY and timeouts,
a short connect timeout). Kept as thin wrappers until every caller moved to
`connect_role` and `role_transaction`."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg

from tui.db.base import ConnectFailure
from tui.db.postgres import connect_role
from tui.db.roles import FLEET_MONITOR, role_transaction
from tui.db.tunnel import SshTunnel
from tui.profiles import Profile

MONITOR_APPLICATION_NAME = FLEET_MONITOR.application_name


def open_monitor_connection(profile: Profile, password: str | None, tunnel: SshTunnel | None = None,
                            connect_timeout: int = 5) -> psycopg.Connection[Any]:
    """An autocommit connection for read-only polling; raises ConnectFailure.
    Old name of `connect_role(profile, password, FLEET_MONITOR, tunnel, connect_timeout)`."""
    return connect_role(profile, password, FLEET_MONITOR, tunnel, connect_timeout)


@contextlib.contextmanager
def read_only_transaction(conn: psycopg.Connection[Any], statement_timeout_ms: int,
                          lock_timeout_ms: int = 500) -> Iterator[psycopg.Connection[Any]]:
    """A READ ONLY transaction whose timeouts end with it. Old name of
    `role_transaction(conn, FLEET_MONITOR, statement_timeout=…)`."""
    with role_transaction(conn, FLEET_MONITOR, statement_timeout=f"{statement_timeout_ms}ms",
                          lock_timeout=f"{lock_timeout_ms}ms") as same:
        yield same


__all__ = ["ConnectFailure", "MONITOR_APPLICATION_NAME", "open_monitor_connection", "read_only_transaction"]
