"""The catalog sidebar: lazy levels, partitions, search, refresh, system schemas."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from helpers.browse_data import HOSTILE_SCHEMA, HOSTILE_TABLE, SETUP
from helpers.pilot import until
from textual.app import App, ComposeResult
from textual.containers import Vertical

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.formatting import size_text
from tui.profiles import Profile
from tui.services import catalog
from tui.widgets.catalog_tree import CatalogTree, entry_label


@pytest.fixture
def shop(seeded_database: Callable[[str], Database]) -> Database:
    return seeded_database(SETUP)


def test_levels_are_loaded_one_query_each(shop: Database) -> None:
    names = [e.name for e in catalog.schemas(shop)]
    assert names[0] == "public" and "shop" in names and HOSTILE_SCHEMA in names
    assert "pg_catalog" not in names and "information_schema" not in names
    assert "pg_catalog" in [e.name for e in catalog.schemas(shop, show_system=True)]
    entries = {e.name: e for e in catalog.relations(shop, "shop")}
    assert entries["customers"].kind == "table" and entries["customers"].estimate == 250
    assert entries["customers"].size and entries["customers"].size > 8192
    assert entries["events"].kind == "partitioned" and entries["events"].has_children
    assert "events_2024" not in entries  # partitions live under their parent
    assert entries["big_orders"].kind == "view" and entries["big_orders"].estimate is None
    assert entries["ticket_seq"].kind == "sequence"
    assert entries["add(a integer, b integer)"].kind == "function"
    assert [e.name for e in catalog.partitions(shop, "shop", "events")] == ["events_2024", "events_2025"]
    assert [e.name for e in catalog.relations(shop, HOSTILE_SCHEMA)] == [HOSTILE_TABLE]


def test_search_across_schemas(shop: Database) -> None:
    found = catalog.search(shop, "order")
    assert [(e.schema, e.name) for e in found[:2]] == [("shop", "orders"), ("shop", "big_orders")]
    assert [e.name for e in catalog.search(shop, "表")] == [HOSTILE_TABLE]
    assert catalog.search(shop, "%") == []  # no LIKE wildcards: a literal %
    assert all("_" in e.name for e in catalog.search(shop, "_"))


def test_compact_figures() -> None:
    assert catalog.compact_count(1_234_567) == "1.2M" and catalog.compact_count(999) == "999"
    assert size_text(340 * 1024 * 1024) == "340 MB" and size_text(8192) == "8.0 kB"


def relations_in_time(database: Database, schema: str, seconds: float = 1.0) -> dict[str, catalog.CatalogEntry]:
    """catalog.relations in a thread: its entries by name, or an AssertionError if it
    waits longer than `seconds` (the caller then releases the lock, so it ends)."""
    found: dict[str, dict[str, catalog.CatalogEntry]] = {}
    errors: list[BaseException] = []

    def load() -> None:
        try:
            found["entries"] = {e.name: e for e in catalog.relations(database, schema)}
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"the sidebar waited more than {seconds} s on a lock"
    assert not errors, errors
    assert time.monotonic() - started < seconds
    return found["entries"]


@contextmanager
def admin_in_transaction(cluster: LocalCluster, database: str) -> Iterator[psycopg.Connection]:
    """An application's connection with a transaction open; rolled back at the end."""
    with psycopg.connect(cluster.socket_conninfo(database)) as conn:
        try:
            yield conn
        finally:
            conn.rollback()


def test_a_locked_table_gets_an_estimated_size_without_waiting(
        shop: Database, pg_cluster: LocalCluster, pg_database: str) -> None:
    """An application holds ACCESS EXCLUSIVE on a table (a migration, `LOCK TABLE`): the
    schema still opens at once, that table's size estimated from pg_class and marked."""
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE shop.customers")  # relpages for the estimate
    exact = relations_in_time(shop, "shop")["customers"]
    with admin_in_transaction(pg_cluster, pg_database) as app:
        app.execute("LOCK TABLE shop.customers IN ACCESS EXCLUSIVE MODE")
        entries = relations_in_time(shop, "shop")
    customers = entries["customers"]
    # Pages of the table, its index and TOAST; not the free space and visibility maps.
    assert customers.size_estimated and exact.size and 0 < (customers.size or 0) <= exact.size
    assert not entries["orders"].size_estimated and entries["orders"].size  # the others: exact
    assert str(entry_label(customers)).endswith("~" + size_text(customers.size))
    assert "~" not in str(entry_label(entries["orders"]))


def test_a_queued_lock_request_does_not_hold_up_the_sidebar(
        shop: Database, pg_cluster: LocalCluster, pg_database: str) -> None:
    """A reader holds the table, an ALTER waits for it; every new reader now queues
    behind the ALTER: pg_total_relation_size would too, the sidebar does not."""
    with admin_in_transaction(pg_cluster, pg_database) as reader:
        reader.execute("SELECT count(*) FROM shop.orders")
        with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as other:
            waiter = threading.Thread(target=lambda: _lock_quietly(other), daemon=True)
            waiter.start()
            _until_waiting(pg_cluster, pg_database)
            entries = relations_in_time(shop, "shop")
            reader.rollback()  # the ALTER gets its lock and ends
            waiter.join(5)
    assert entries["orders"].size_estimated and not entries["customers"].size_estimated


def test_a_lock_the_check_cannot_see_gives_up_quickly_and_estimates_every_size(
        shop: Database, pg_cluster: LocalCluster, pg_database: str) -> None:
    """A lock taken on something pg_locks' check does not look at (here the index of a
    TOAST table, being rebuilt): lock_timeout ends the wait, the sizes are all estimated."""
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        toast_index = conn.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_class c JOIN pg_index i ON i.indrelid = c.reltoastrelid "
            "WHERE c.oid = 'shop.docs'::regclass").fetchone()[0]
    with admin_in_transaction(pg_cluster, pg_database) as app:
        app.execute(f"REINDEX INDEX {toast_index}")  # ACCESS EXCLUSIVE on the TOAST index until rollback
        entries = relations_in_time(shop, "shop")
    assert entries["docs"].size_estimated and entries["customers"].size_estimated


def _lock_quietly(conn: psycopg.Connection) -> None:
    try:
        with conn.transaction():
            conn.execute("LOCK TABLE shop.orders IN ACCESS EXCLUSIVE MODE")
    except psycopg.Error:
        pass


def _until_waiting(cluster: LocalCluster, database: str) -> None:
    with psycopg.connect(cluster.socket_conninfo(database), autocommit=True) as conn:
        for _ in range(100):
            row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'"
                               ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the LOCK TABLE request never queued")


class TreeApp(App[None]):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.selected: list[tuple[str | None, str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="sidebar"):
            yield CatalogTree(self.database)

    def on_catalog_tree_relation_selected(self, event: CatalogTree.RelationSelected) -> None:
        self.selected.append((event.schema, event.name, event.kind))


def labels(tree: CatalogTree) -> list[str]:
    out: list[str] = []

    def walk(node, depth: int) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            out.append("  " * depth + str(child.label))
            if child.is_expanded:
                walk(child, depth + 1)

    walk(tree.root, 0)
    return out


def test_tree_opens_filters_refreshes_and_selects(shop: Database, pg_cluster: LocalCluster,
                                                  pg_database: str) -> None:
    async def run() -> None:
        app = TreeApp(shop)
        async with app.run_test(size=(60, 30)) as pilot:
            tree = app.query_one(CatalogTree)
            await until(pilot, lambda: any(n.data and n.data.name == "shop" for n in tree.root.children))
            tree.focus()
            node = next(n for n in tree.root.children if n.data and n.data.name == "shop")
            assert not node.children or "loading" in str(node.children[0].label)  # nothing before opening
            tree.move_cursor(node)
            await pilot.press("enter")
            await until(pilot, lambda: any("customers" in line for line in labels(tree)))
            assert any("customers  250" in line for line in labels(tree))
            events = next(c for c in node.children if c.data and c.data.name == "events")
            tree.move_cursor(events)
            await pilot.press("enter")  # opens the partitions and selects the parent
            await until(pilot, lambda: any("events_2025" in line for line in labels(tree)))
            assert app.selected[-1] == ("shop", "events", "partitioned")
            # type to filter: every schema at once
            await pilot.press("slash", *"表")
            await until(pilot, lambda: any(HOSTILE_TABLE in line for line in labels(tree)))
            await pilot.press("enter")  # back to the tree, on the first result
            await pilot.press("enter")
            assert app.selected[-1] == (HOSTILE_SCHEMA, HOSTILE_TABLE, "table")
            await pilot.press("escape")
            await until(pilot, lambda: any("shop" == line.strip() for line in labels(tree)))
            # r picks up objects created since
            with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
                conn.execute("CREATE SCHEMA fresh")
            await pilot.press("r")
            await until(pilot, lambda: any(line.strip() == "fresh" for line in labels(tree)))
            await pilot.press("h")
            await until(pilot, lambda: any(line.strip() == "pg_catalog" for line in labels(tree)))

    asyncio.run(run())


def test_sqlite_objects(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE "we""ird" (id integer primary key, name text);
            CREATE INDEX ix_name ON "we""ird" (name);
            CREATE VIEW v AS SELECT * FROM "we""ird";
            CREATE TRIGGER tr AFTER INSERT ON "we""ird" BEGIN SELECT 1; END;
        """)
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path)))
    try:
        assert [(e.name, e.kind) for e in catalog.schemas(database)] == [
            ('we"ird', "table"), ("v", "view"), ("ix_name", "index"), ("tr", "trigger")]
        assert [e.name for e in catalog.search(database, "IRD")] == ['we"ird']
    finally:
        database.close()
