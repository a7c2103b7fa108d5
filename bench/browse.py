"""The table browser on big catalogs and big tables.

1. 10,000 tables in 20 schemas: sidebar ready, one schema opened, and the
   filter's results per keystroke, in a headless app (rendering included).
2. A 2,000,000-row table keyed by UUID: first, next, last page and the page at
   75% of the key order, each end to end (query + grid rendering), beside the
   same pages fetched with OFFSET.

Builds its data in a throwaway LocalCluster under /tmp and removes it after.

    .venv/bin/python bench/browse.py [--rows 2000000] [--tables 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402
from textual.containers import Horizontal  # noqa: E402

from tui.db import Database, open_database  # noqa: E402
from tui.db.reader import PostgresSource  # noqa: E402
from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402
from tui.profiles import Profile  # noqa: E402
from tui.services.browse import KeysetPager, describe_relation  # noqa: E402
from tui.widgets.browse import BrowsePane  # noqa: E402
from tui.widgets.catalog_tree import CatalogFilter, CatalogTree  # noqa: E402


class BenchApp(App[None]):
    def __init__(self, database: Database, profile: Profile) -> None:
        super().__init__()
        self.database, self.profile = database, profile

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield CatalogTree(self.database)
            yield BrowsePane(self.database, self.profile)


def build(conninfo: str, tables: int, rows: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        per_schema = tables // 20
        for s in range(20):
            statements = [f"CREATE SCHEMA app_{s:02}"] + [
                f"CREATE TABLE app_{s:02}.table_{t:04} (id int PRIMARY KEY, name text)" for t in range(per_schema)]
            conn.execute(";".join(statements))
        conn.execute("CREATE TABLE public.big (id uuid PRIMARY KEY, n int NOT NULL, note text)")
        conn.execute("INSERT INTO public.big SELECT gen_random_uuid(), g, 'row ' || g "
                     "FROM generate_series(1, %s) g", (rows,))
        conn.execute("VACUUM ANALYZE public.big")


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(0.0005)


async def one_run(app: BenchApp, figures: dict[str, list[float]]) -> None:
    """One session: open the app, a schema, filter, then page the big table."""
    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        tree = app.query_one(CatalogTree)
        await wait_for(pilot, lambda: len(tree.root.children) >= 20)
        await pilot.pause(0)
        figures["sidebar ready"].append(time.perf_counter() - started)
        node = next(n for n in tree.root.children if n.data and n.data.name == "app_07")
        started = time.perf_counter()
        node.expand()
        await wait_for(pilot, lambda: len(node.children) >= 100)
        await pilot.pause(0)
        figures["schema opened"].append(time.perf_counter() - started)
        tree.focus()
        await pilot.press("slash")
        typed = ""

        def filtered() -> bool:
            first = tree.root.children[0].data if tree.root.children else None
            return first is not None and typed in first.name

        box = app.query_one(CatalogFilter)
        for char in "table_00":
            typed += char
            started = time.perf_counter()
            box.insert_text_at_cursor(char)  # what the key press does, without the pilot's own waits
            await wait_for(pilot, filtered)
            await pilot.pause(0)
            figures["filter keystroke"].append(time.perf_counter() - started)
        pane = app.query_one(BrowsePane)
        pane.open_relation("public", "big", "table")
        await wait_for(pilot, lambda: pane.pager is not None and not pane._busy)
        steps: list[tuple[str, Callable[[], None]]] = [
            ("first page", lambda: pane.action_page("first")), ("next page", lambda: pane.action_page("next")),
            ("last page", lambda: pane.action_page("last")), ("page at 75%", lambda: pane.go_to_fraction(0.75))]
        for label, act in steps:
            started = time.perf_counter()
            act()
            await wait_for(pilot, lambda: not pane._busy)
            await pilot.pause(0)
            figures[label].append(time.perf_counter() - started)


async def ui_figures(database: Database, profile: Profile, runs: int) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {k: [] for k in (
        "sidebar ready", "schema opened", "filter keystroke", "first page", "next page",
        "last page", "page at 75%")}
    for _ in range(runs):
        await one_run(BenchApp(database, profile), figures)
    return figures


def query_figures(conninfo: str, rows: int, runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Query-only times: keyset pages, and the same pages with OFFSET."""
    source = PostgresSource(lambda: psycopg.connect(conninfo, autocommit=True))
    pager = KeysetPager(source, describe_relation(source, "public", "big"), page_size=37)
    keyset: dict[str, list[float]] = {k: [] for k in ("first page", "next page", "last page", "page at 75%")}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("first page", pager.first), ("next page", pager.next), ("last page", pager.last),
        ("page at 75%", lambda: pager.at_fraction(0.75))]
    for _ in range(runs):
        for label, step in steps:
            started = time.perf_counter()
            step()
            keyset[label].append(time.perf_counter() - started)
    out: dict[str, list[float]] = {k: [] for k in keyset}
    for _ in range(runs):
        for label, offset in (("first page", 0), ("next page", 37), ("last page", rows - 37),
                              ("page at 75%", int(rows * 0.75))):
            started = time.perf_counter()
            pager._offset_page(offset, started, keyed=True)  # the same page fetched with OFFSET
            out[label].append(time.perf_counter() - started)
    source.close()
    return keyset, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = cluster_temp_dir("bastion-bench-browse-")
    os.chmod(base, 0o755)
    cluster = LocalCluster(base / "data", base / "sock")
    cluster.start()
    try:
        conninfo = cluster.socket_conninfo()
        started = time.perf_counter()
        build(conninfo, args.tables, args.rows)
        print(f"data built in {time.perf_counter() - started:.0f} s "
              f"({args.tables:,} tables in 20 schemas, {args.rows:,} UUID-keyed rows)")
        profile = Profile(name="bench", host=str(cluster.socket_dir), port=cluster.port,
                          database="postgres", user=cluster.superuser, password="none")
        database = open_database(profile)
        try:
            ui = asyncio.run(ui_figures(database, profile, args.runs))
        finally:
            database.close()
        keyset, offsets = query_figures(conninfo, args.rows, args.runs)
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"median of {args.runs} runs, headless 120x40, end to end including rendering "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    for label, samples in ui.items():
        line = f"{label:<18} {statistics.median(samples) * 1000:8.1f} ms"
        if label in offsets:
            line += (f"   query only: keyset {statistics.median(keyset[label]) * 1000:6.1f} ms,"
                     f" OFFSET {statistics.median(offsets[label]) * 1000:7.1f} ms")
        print(line)


if __name__ == "__main__":
    main()
