"""Fixed sessions for the Activity snapshots and loop tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tui.services.activity.sessions import Session

NOW = datetime(2026, 3, 2, 14, 30, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def session(pid: int, app: str, state: str | None, query: str, *, xact: float | None = None,
            since: float = 1.0, wait: tuple[str, str] | None = None, blocked_by: tuple[int, ...] = (),
            kind: str = "client backend", user: str = "app", **extra: Any) -> Session:
    values: dict[str, Any] = dict(
        pid=pid, backend_start=ago(3600), datname="shop", usename=user, application_name=app,
        client_addr="10.0.4.17", client_port=50000 + pid, backend_type=kind, state=state,
        wait_event_type=wait[0] if wait else None, wait_event=wait[1] if wait else None,
        xact_start=ago(xact) if xact is not None else None, query_start=ago(since), state_change=ago(since),
        backend_xid=None, backend_xmin=None, leader_pid=None, query_id=None, query=query,
        blocked_by=blocked_by, wait_start=ago(since) if wait and wait[0] == "Lock" else None, now=NOW)
    values.update(extra)
    return Session(**values)


SESSIONS = [
    session(4101, "billing-worker", "idle in transaction", "UPDATE inventory SET reserved = reserved + 1\n"
            " WHERE product_id = 42", xact=312, since=305),
    session(4102, "shop-api", "active", "UPDATE inventory SET on_hand = on_hand - 1 WHERE product_id = 42",
            xact=95, since=95, wait=("Lock", "transactionid"), blocked_by=(4101,)),
    session(4103, "migrations", "active", "ALTER TABLE inventory ADD COLUMN note text", xact=80, since=80,
            wait=("Lock", "relation"), blocked_by=(4101, 4102), user="ops"),
    session(4104, "shop-api", "active", "SELECT sku, on_hand FROM inventory WHERE product_id = $1",
            xact=41, since=41, wait=("Lock", "relation"), blocked_by=(4103,)),
    session(4110, "reports", "active", "SELECT customer_id, sum(total)   FROM orders\n GROUP BY 1 ORDER BY 2 DESC",
            xact=128, since=128, wait=("IO", "DataFileRead"), user="analyst"),
    session(4111, "cron", "active", "SELECT pg_advisory_lock(4242)", xact=12, since=12,
            wait=("Lock", "advisory"), blocked_by=(4112,)),
    session(4112, "cron", "idle", "SELECT pg_advisory_lock(4242)", since=600),
    session(4120, "shop-api", "idle in transaction (aborted)", "INSERT INTO orders VALUES ($1, $2)",
            xact=45, since=44),
    session(4121, "shop-api", "active", "SELECT * FROM products WHERE id = $1", xact=0.2, since=0.2),
    session(4130, "", "active", "autovacuum: VACUUM ANALYZE shop.events", kind="autovacuum worker",
            user="postgres", client_addr=None, xact=20, since=20),
    session(4140, "psql", "idle", "SHOW work_mem", since=2400, user="ops", client_addr=None),
]
