"""Activity pane: one refresh's cost at 60 to 2,000 connections, and the app's CPU.

Starts its own PostgreSQL (max_connections raised), opens N connections (15
active in pg_sleep, one lock chain of three, the rest idle), then measures:

- server: the refresh's SQL alone (round trips with tuple rows, no objects built);
- client: a whole ActivityMonitor.tick() plus filter, sort, tree and the table cells
  that changed (as SessionTable.show() rebuilds them);
- app CPU: the real ActivityPane in a headless Textual app at a 1 s refresh (with
  idle shown, measured from 3 s after the toggle that adds every row);
- pg_activity 3.6 (if a venv with it exists, default /tmp/pgact-venv): its
  server-information + activities refresh, and its blocking query, same server.

    .venv/bin/python bench/activity.py [--sizes 500 2000] [--runs 200] [--cpu-seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from tui.db.postgres import PostgresDatabase  # noqa: E402
from tui.db.roles import ACTIVITY
from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402
from tui.profiles import Profile  # noqa: E402
from tui.services.activity import ActivityMonitor, SessionFilter, blocking_tree, sort_sessions  # noqa: E402
from tui.sql import activity as q  # noqa: E402
from tui.widgets.activity.cells import Thresholds, fixed_cells, fixed_key, timed_cells, timed_values  # noqa: E402

ACTIVE = 15
WINDOW = 38 + 1  # SessionTable._window() at 120x40: the rows in view and one more

PG_ACTIVITY = textwrap.dedent("""
    import json, statistics, sys, time
    from pgactivity.data import Data
    port, host, runs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    data = Data.pg_connect(host=host, port=port, user="postgres", database="postgres")
    def timed(fn):
        out = []
        for _ in range(runs):
            t = time.perf_counter(); fn(); out.append(time.perf_counter() - t)
        return out
    info = [None]
    def tick():
        info[0] = data.pg_get_server_information(prev_server_info=info[0], skip_db_size=True,
                                                 skip_tempfile=True, skip_walreceiver=True)
        data.pg_get_activities(1)
    print(json.dumps({"tick": timed(tick), "blocking": timed(lambda: data.pg_get_blocking(1))}))
""")


def stats(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"{statistics.median(ms):6.2f} / {p95:6.2f} ms"


def open_load(cluster: LocalCluster, total: int) -> list[psycopg.Connection[Any]]:
    """`total` client connections: 15 active sleepers, a lock chain, the rest idle."""
    conninfo = cluster.socket_conninfo("bench")
    conns: list[psycopg.Connection[Any]] = []
    for i in range(total):
        conns.append(psycopg.connect(conninfo, autocommit=True, application_name=f"load-{i}"))
    for conn in conns[:ACTIVE]:
        conn.pgconn.send_query(b"SELECT pg_sleep(3600)")
    a, b, c = conns[ACTIVE:ACTIVE + 3]
    a.execute("BEGIN")
    a.execute("UPDATE chain SET v = v + 1 WHERE id = 1")
    b.pgconn.send_query(b"UPDATE chain SET v = v + 1 WHERE id = 1")
    c.pgconn.send_query(b"BEGIN; LOCK TABLE chain IN ACCESS EXCLUSIVE MODE")
    for conn in conns[ACTIVE + 3:]:
        conn.execute("SELECT 1")
    time.sleep(1.0)
    return conns


def measure_refresh(database: PostgresDatabase, runs: int, include_idle: bool) -> tuple[list[float], list[float]]:
    monitor = ActivityMonitor(lambda: database.connect(ACTIVITY), database.info, interval=1.0)
    monitor.include_idle = include_idle
    monitor.open()
    assert monitor.conn is not None
    # With idle shown, the monitor sends back the last refresh's idle sessions: unchanged, they come as a pid.
    sessions_sql = q.sessions_query(database.info.version_num, include_idle, known=include_idle)
    server: list[float] = []
    client: list[float] = []
    limits = Thresholds()
    built: dict[str, tuple[Any, Any]] = {}
    for _ in range(runs):
        started = time.perf_counter()
        with monitor.conn.cursor() as cur:
            cur.execute(sessions_sql, monitor.known.params() if include_idle else None).fetchall()
            if not include_idle:
                cur.execute(q.IDLE_COUNT).fetchall()
            cur.execute(q.DATABASE_TOTALS).fetchall()
            cur.execute(q.REPLICATION).fetchall()
        server.append(time.perf_counter() - started)
        started = time.perf_counter()
        tick = monitor.tick()
        shown = sort_sessions(SessionFilter(hide_idle=not include_idle).apply(tick.snapshot.sessions))
        roots = set(tick.roots)
        # What SessionTable.show() builds: cells only for the rows in view (38 at
        # 120x40, and one more) and only where their inputs changed; rows out of
        # view catch up when they are scrolled to.
        rows = {s.key_text: s for s in shown}  # the table keeps every row by key
        assert len(rows) == len(shown)
        for s in shown[:WINDOW]:
            fixed, timed = fixed_key(s, False, s.pid in roots), timed_values(s, limits)
            old = built.get(s.key_text)
            if old is None or old[0] != fixed:
                fixed_cells(s, False, s.pid in roots)
            if old is None or old[1] != timed:
                timed_cells(timed, old[1] if old else None)
            built[s.key_text] = (fixed, timed)
        blocking_tree(tick.snapshot.sessions)
        client.append(time.perf_counter() - started)
    monitor.close()
    return server, client


async def measure_cpu(database: PostgresDatabase, profile: Profile, seconds: float,
                      show_idle: bool) -> tuple[float, int]:
    """CPU seconds of this process while the real pane refreshes every second."""
    from textual.app import App, ComposeResult

    from tui.widgets.activity import ActivityPane

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield ActivityPane(database, profile, interval=1.0)

    app = Bench()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(2.0)  # connect and first ticks
        pane = app.query_one(ActivityPane)
        if show_idle:
            pane.action_toggle_idle()  # every row in the table: the worst case
            await pilot.pause(3.0)  # the rows added once: measure the refreshes that follow
        before_ticks = len(pane.monitor.pulse.active_history)  # type: ignore[union-attr]
        cpu = time.process_time()
        await asyncio.sleep(seconds)
        used = time.process_time() - cpu
        ticks = len(pane.monitor.pulse.active_history) - before_ticks  # type: ignore[union-attr]
    return used, ticks


def pg_activity(venv: Path, cluster: LocalCluster, runs: int) -> dict[str, list[float]] | None:
    python = venv / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run([str(python), "-c", PG_ACTIVITY, str(cluster.port), str(cluster.socket_dir), str(runs)],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        print(f"pg_activity failed: {out.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--cpu-seconds", type=float, default=60.0)
    parser.add_argument("--pg-activity-venv", type=Path, default=Path("/tmp/pgact-venv"))
    args = parser.parse_args()

    base = cluster_temp_dir("bastion-bench-activity-")
    cluster = LocalCluster(datadir=base / "data", socket_dir=base / "sock",
                           settings={"max_connections": str(max(args.sizes) + 40)})
    try:
        cluster.start()
        with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench")
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
            max_conn = conn.execute("SHOW max_connections").fetchone()[0]  # type: ignore[index]
        with psycopg.connect(cluster.socket_conninfo("bench"), autocommit=True) as conn:
            conn.execute("CREATE TABLE chain (id int PRIMARY KEY, v int); INSERT INTO chain VALUES (1, 0)")
        print(f"PostgreSQL {version}, max_connections {max_conn}, unix socket, {args.runs} refreshes per size")
        profile = Profile(name="bench", host=str(cluster.socket_dir), port=cluster.port, database="bench",
                          user=cluster.superuser, password="none")
        for size in args.sizes:
            load = open_load(cluster, size)
            database = PostgresDatabase.open(profile)
            print(f"\n{size} connections ({ACTIVE} active, lock chain of 3, rest idle): median / p95")
            for include_idle, label in ((False, "idle hidden (default)"), (True, "idle shown")):
                server, client = measure_refresh(database, args.runs, include_idle)
                print(f"  bastion, {label:22} SQL only (server + socket)   {stats(server)}")
                print(f"  bastion, {label:22} whole refresh (SQL + client) {stats(client)}")
            theirs = pg_activity(args.pg_activity_venv, cluster, args.runs)
            if theirs:
                print(f"  pg_activity 3.6 server info + activities   {stats(theirs['tick'])}")
                print(f"  pg_activity 3.6 blocking query             {stats(theirs['blocking'])}")
            else:
                print(f"  pg_activity: no venv at {args.pg_activity_venv} (pip install pg_activity there)")
            for show_idle in (False, True) if args.cpu_seconds > 0 else ():
                used, ticks = asyncio.run(measure_cpu(database, profile, args.cpu_seconds, show_idle))
                mode = "shown" if show_idle else "hidden"
                print(f"  app CPU at 1 s refresh over {args.cpu_seconds:g} s, idle {mode}: {used:.2f} s"
                      f" = {100 * used / args.cpu_seconds:.1f}% of one core ({ticks} refreshes)")
            database.close()
            for conn in load:
                try:
                    conn.cancel_safe(timeout=2)
                except psycopg.Error:
                    pass
                conn.close()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
