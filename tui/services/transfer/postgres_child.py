"""The libpq settings a child program connects with: the workspace connection's own."""

from __future__ import annotations

from typing import Any

from tui.db.base import Database
from tui.db.roles import Role, role_params
from tui.services.transfer import TransferError


def child_params(database: Database, role: Role) -> dict[str, Any]:
    """libpq keywords for a child of `role`, exactly as the open connection got
    through (its tunnel's local port, TLS files, the password if it took one).
    A tunnel whose ssh has exited is started again first."""
    if database.info.kind != "postgresql":
        raise TransferError(f"Dump and restore need a PostgreSQL server, not {database.info.product}.")
    params: dict[str, Any] = dict(getattr(database, "params", {}))
    tunnel = getattr(database, "tunnel", None)
    if tunnel is not None:
        tunnel.ensure_up()
        params["port"] = str(tunnel.local_port)
    return role_params(params, role)
