"""A small, steady workload on the demo database, for the activity pane.

Three kinds of sessions, each in its own daemon thread with its own connection,
all tagged with application_name 'bastion-demo-workload':

- a shop front: a read query and a small write about once a second, a new
  order now and then, and a heavier report every half minute;
- a session left `idle in transaction` after reading open invoices;
- a lock chain on one inventory row: A updated it and sits idle in its
  transaction, B's update waits for A, C's update waits behind B.

Sessions that are cancelled or terminated (say, from the activity pane) come
back after a few seconds. stop() cancels every statement, rolls back and closes.
"""

from __future__ import annotations

import random
import select
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

APPLICATION_NAME = "bastion-demo-workload"

# The inventory row the lock chain fights over; the shop front never touches it.
CONTENDED_PRODUCT_ID = 42

RETRY_SECONDS = 3.0

_READ_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "customer",
        "SELECT id, status, placed_at, total FROM shop.orders"
        " WHERE customer_id = %s ORDER BY placed_at DESC LIMIT 20",
    ),
    (
        "category",
        "SELECT p.sku, p.name, i.on_hand - i.reserved AS available"
        " FROM shop.products AS p JOIN shop.inventory AS i ON i.product_id = p.id"
        " WHERE p.category_id = %s ORDER BY p.name LIMIT 50",
    ),
    (
        "none",
        "SELECT event_type, count(*) FROM analytics.events"
        " WHERE occurred_at > now() - interval '1 hour' GROUP BY event_type",
    ),
    ("none", "SELECT * FROM billing.outstanding_invoices ORDER BY days_overdue DESC LIMIT 25"),
    (
        "none",
        "SELECT day, viewed, added_to_cart, purchased FROM analytics.conversion_funnel"
        " ORDER BY day DESC LIMIT 14",
    ),
    ("order", "SELECT * FROM shop.order_summaries WHERE order_id = %s"),
)

_REPORT_QUERY = (
    "SELECT properties ->> 'device' AS device, count(*) AS searches,"
    " count(DISTINCT customer_id) AS customers"
    " FROM analytics.events WHERE event_type = 'search' GROUP BY 1 ORDER BY 2 DESC"
)

_EVENT_KINDS = (
    ("page_view", "/"),
    ("search", "/search"),
    ("product_view", "/product"),
    ("add_to_cart", "/cart"),
    ("sign_in", "/login"),
)


class Workload:
    """Background sessions against the demo database; start() once, stop() once."""

    def __init__(self, conninfo: Mapping[str, Any], interval: float = 1.0) -> None:
        self.conninfo = {**conninfo, "application_name": APPLICATION_NAME}
        self.interval = interval
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._connections: set[psycopg.Connection[Any]] = set()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        """Start the sessions in background threads and return at once."""
        if self._threads:
            raise RuntimeError("Workload already started")
        for name, target in (
            ("shop-front", self._shop_front),
            ("idle-in-transaction", self._idle_in_transaction),
            ("lock-chain", self._lock_chain),
        ):
            thread = threading.Thread(
                target=self._keep_running, args=(target,), name=f"demo-{name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Cancel every statement, end every session and wait for the threads."""
        self._stopping.set()
        for conn in self._open_connections():
            _cancel_quietly(conn)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self._threads):
            self._terminate_sessions()

    def _terminate_sessions(self) -> None:
        # Last resort when a cancel was lost: the server ends our sessions,
        # which wakes every thread still blocked in a statement.
        try:
            with psycopg.connect(**self.conninfo, autocommit=True, connect_timeout=5) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = %s AND pid <> pg_backend_pid()",
                    (APPLICATION_NAME,),
                )
        except psycopg.Error:
            pass
        for thread in self._threads:
            thread.join(2)

    # -- plumbing --------------------------------------------------------------
    def _open_connections(self) -> list[psycopg.Connection[Any]]:
        with self._lock:
            return [conn for conn in self._connections if not conn.closed]

    def _connect(self, autocommit: bool = False) -> psycopg.Connection[Any]:
        conn = psycopg.connect(**self.conninfo, autocommit=autocommit, connect_timeout=5)
        with self._lock:
            self._connections.add(conn)
        if self._stopping.is_set():  # stop() ran while we were connecting
            self._close(conn)
            raise psycopg.OperationalError("workload stopping")
        return conn

    def _close(self, conn: psycopg.Connection[Any]) -> None:
        try:
            conn.close()
        finally:
            with self._lock:
                self._connections.discard(conn)

    def _keep_running(self, session: Callable[[], None]) -> None:
        # A session ends when it is cancelled or terminated; bring it back
        # unless we are stopping.
        while not self._stopping.is_set():
            try:
                session()
            except Exception:  # any error: a traceback would land on the app's screen
                pass
            self._stopping.wait(RETRY_SECONDS)

    def _wait_until_waiting(self, monitor: psycopg.Connection[Any], pid: int) -> bool:
        deadline = time.monotonic() + 5
        while not self._stopping.is_set() and time.monotonic() < deadline:
            row = monitor.execute(
                "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.05)
        return False

    # -- sessions --------------------------------------------------------------
    def _shop_front(self) -> None:
        """Reads and small writes about once a second, like a web shop's backend."""
        rng = random.Random()
        conn = self._connect(autocommit=True)
        try:
            conn.execute("SET statement_timeout = '5s'")
            customers = [
                r[0] for r in conn.execute("SELECT id FROM shop.customers ORDER BY created_at DESC LIMIT 300")
            ]
            sessions = [
                r[0]
                for r in conn.execute("SELECT id FROM auth.sessions ORDER BY last_seen_at DESC LIMIT 300")
            ]
            products = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM shop.products WHERE NOT discontinued AND id <> %s",
                    (CONTENDED_PRODUCT_ID,),
                )
            ]
            max_order = conn.execute("SELECT max(id) FROM shop.orders").fetchone()[0] or 1
            tick = 0
            while not self._stopping.wait(self.interval * rng.uniform(0.7, 1.3)):
                tick += 1
                kind, query = _READ_QUERIES[tick % len(_READ_QUERIES)]
                params = {
                    "customer": (rng.choice(customers),),
                    "category": (rng.randint(1, 10),),
                    "order": (rng.randint(1, max_order),),
                }.get(kind, ())
                conn.execute(query, params).fetchall()
                event, page = rng.choice(_EVENT_KINDS)
                conn.execute(
                    "INSERT INTO analytics.events (occurred_at, customer_id, event_type, page,"
                    " properties) VALUES (now(), %s, %s, %s, %s)",
                    (
                        rng.choice(customers),
                        event,
                        page,
                        Jsonb({"device": rng.choice(["desktop", "mobile"]), "source": "demo"}),
                    ),
                )
                conn.execute(
                    "UPDATE auth.sessions SET last_seen_at = now() WHERE id = %s",
                    (rng.choice(sessions),),
                )
                if tick % 15 == 0:
                    max_order = self._place_order(conn, rng, rng.choice(customers), products)
                if tick % 30 == 0:
                    conn.execute(_REPORT_QUERY).fetchall()
        finally:
            self._close(conn)

    def _place_order(
        self,
        conn: psycopg.Connection[Any],
        rng: random.Random,
        customer: Any,
        products: list[int],
    ) -> int:
        """One order with two lines and reserved stock, in one transaction."""
        lines = rng.sample(products, 2)
        with conn.transaction():
            order_id = conn.execute(
                "INSERT INTO shop.orders (customer_id, status, shipping_address)"
                " SELECT id, 'pending', jsonb_build_object('name', full_name, 'city', city,"
                " 'country', country_code) FROM shop.customers WHERE id = %s RETURNING id",
                (customer,),
            ).fetchone()[0]
            for line_no, product in enumerate(lines, start=1):
                conn.execute(
                    "INSERT INTO shop.order_items (order_id, line_no, product_id, quantity,"
                    " unit_price) SELECT %s, %s, id, 1, price FROM shop.products WHERE id = %s",
                    (order_id, line_no, product),
                )
            conn.execute(
                "UPDATE shop.orders SET total = (SELECT sum(quantity * unit_price)"
                " FROM shop.order_items WHERE order_id = %s) WHERE id = %s",
                (order_id, order_id),
            )
            conn.execute(
                "UPDATE shop.inventory SET reserved = reserved + 1, updated_at = now()"
                " WHERE product_id = ANY(%s)",
                (lines,),
            )
        return int(order_id)

    def _idle_in_transaction(self) -> None:
        """Reads open invoices, then forgets to commit."""
        conn = self._connect()
        try:
            conn.execute(
                "SELECT number, amount FROM billing.invoices WHERE status = 'open'"
                " ORDER BY issued_at LIMIT 10 FOR SHARE"
            ).fetchall()
            while not self._stopping.is_set():
                # A terminated backend sends a FATAL error and closes the socket.
                if select.select([conn.fileno()], [], [], 0.5)[0]:
                    return  # ended from outside (e.g. the activity pane): start anew
            conn.rollback()
        finally:
            self._close(conn)

    def _lock_chain(self) -> None:
        """A holds a row lock in an open transaction; B waits for A; C waits behind B."""
        monitor = self._connect(autocommit=True)
        holder = self._connect()
        waiters = [self._connect(), self._connect()]
        threads: list[threading.Thread] = []
        try:
            holder.execute(
                "UPDATE shop.inventory SET reserved = reserved + 1, updated_at = now() WHERE product_id = %s",
                (CONTENDED_PRODUCT_ID,),
            )
            for waiter, statement in zip(
                waiters,
                (
                    "UPDATE shop.inventory SET reserved = reserved - 1 WHERE product_id = %s",
                    "UPDATE shop.inventory SET on_hand = on_hand - 1 WHERE product_id = %s",
                ),
                strict=True,
            ):
                thread = threading.Thread(
                    target=_run_and_roll_back,
                    args=(waiter, statement),
                    daemon=True,
                    name="demo-lock-waiter",
                )
                threads.append(thread)
                thread.start()
                # C must queue behind B, so wait until B really waits.
                if not self._wait_until_waiting(monitor, waiter.info.backend_pid):
                    return
            pids = [holder.info.backend_pid] + [w.info.backend_pid for w in waiters]
            while not self._stopping.wait(2):
                if not _chain_intact(monitor, pids):
                    return  # someone ended a session of the chain: rebuild it
        finally:
            for waiter in waiters:
                _cancel_quietly(waiter)
            _roll_back_quietly(holder)
            for thread in threads:
                thread.join(5)
            for conn in (*waiters, holder, monitor):
                self._close(conn)


def _run_and_roll_back(conn: psycopg.Connection[Any], statement: str) -> None:
    """Run one statement that blocks; whatever happens, leave nothing changed."""
    try:
        conn.execute(statement, (CONTENDED_PRODUCT_ID,))
    except psycopg.Error:
        pass
    _roll_back_quietly(conn)


def _chain_intact(monitor: psycopg.Connection[Any], pids: list[int]) -> bool:
    waiting = monitor.execute(
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*)"
        " FROM pg_stat_activity WHERE pid = ANY(%s)",
        (pids,),
    ).fetchone()
    return waiting is not None and tuple(waiting) == (len(pids) - 1, len(pids))


def _cancel_quietly(conn: psycopg.Connection[Any]) -> None:
    try:
        conn.cancel_safe(timeout=2)
    except (psycopg.Error, OSError):
        pass


def _roll_back_quietly(conn: psycopg.Connection[Any]) -> None:
    try:
        if not conn.closed:
            conn.rollback()
    except psycopg.Error:
        pass
