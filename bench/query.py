"""Query runner figures for
`SELECT g, md5(g::text), now(), g * 1.5 FROM generate_series(1, N) g`:

- time to first rows on screen (10k vs 1M rows: must not grow with the result),
- time to all rows loaded, beside plain psycopg with a server-side cursor,
- peak RSS of the app with the full result, beside `psql -c … > /dev/null`,
- frame time when scrolling to the end and back,
- CSV export time, beside `psql \\copy`.

    .venv/bin/python bench/query.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402

SQL = "SELECT g, md5(g::text), now(), g * 1.5 FROM generate_series(1, {n}) g"

# The app, headless, with only the Query pane: times first rows on screen, all rows,
# RSS, and the frames of a scroll to the end and back.
CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from textual.app import App
    from tui.db import open_database
    from tui.profiles import Profile
    from tui.widgets.query.pane import QueryPane

    conninfo, sql = json.loads(sys.argv[1]), sys.argv[2]
    database = open_database(Profile(name="bench", password="none", **conninfo))
    figures = {}

    class Bench(App):
        def compose(self):
            yield QueryPane(database, Profile(name="bench", password="none", **conninfo))

        async def on_mount(self):
            pane = self.query_one(QueryPane)
            pane.editor.text = sql
            self.set_timer(0.3, lambda: self.run_worker(self.measure(pane)))

        async def measure(self, pane):
            started = time.perf_counter()
            pane.action_run_all()
            while pane.grid.result is None or not len(pane.grid.result):
                await self._sleep(0.001)
            await self._sleep(0)  # one refresh: the rows are on screen
            figures["first_rows_ms"] = (time.perf_counter() - started) * 1000
            while pane.running:
                await self._sleep(0.01)
            figures["all_rows_s"] = time.perf_counter() - started
            figures["rows"] = len(pane.grid.result)
            frames = []
            grid = pane.grid
            grid.focus()
            for action in ["end", "home"] * 3:
                t = time.perf_counter()
                grid.action_edge(1 if action == "end" else -1)
                grid.refresh()
                await self._sleep(0)
                frames.append((time.perf_counter() - t) * 1000)
            for _ in range(50):
                t = time.perf_counter()
                grid.action_page(1)
                await self._sleep(0)
                frames.append((time.perf_counter() - t) * 1000)
            figures["frame_ms_max"] = max(frames)
            figures["frame_ms_median"] = sorted(frames)[len(frames) // 2]
            figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            self.exit()

        async def _sleep(self, seconds):
            import asyncio
            await asyncio.sleep(seconds)

    Bench().run(headless=True, size=(120, 40))
    print(json.dumps(figures))
""")

PLAIN = textwrap.dedent("""
    import sys, time, psycopg
    conn = psycopg.connect(sys.argv[1])
    started = time.perf_counter()
    with conn.transaction(), conn.cursor(name="plain") as cur:
        cur.execute(sys.argv[2])
        rows = 0
        while batch := cur.fetchmany(5000):
            rows += len(batch)
    print(time.perf_counter() - started)
""")


def child_rss_mb(command: list[str]) -> float:
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True,
                         check=True).stderr.strip().splitlines()[-1]
    return int(out) / 1024


def main() -> None:
    base = cluster_temp_dir("bastion-bench-query-")
    os.chmod(base, 0o755)
    env = {**os.environ, "XDG_DATA_HOME": str(base / "data"), "XDG_CONFIG_HOME": str(base / "config")}
    cluster = LocalCluster(base / "pg", base / "sock")
    cluster.start()
    try:
        conninfo = {"host": str(cluster.socket_dir), "port": cluster.port, "user": cluster.superuser,
                    "database": "postgres"}
        libpq = cluster.socket_conninfo()
        results = {}
        for n in (10_000, 1_000_000):
            runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD, json.dumps(conninfo), SQL.format(n=n)],
                                              capture_output=True, text=True, env=env, check=True,
                                              cwd=base).stdout.strip().splitlines()[-1]) for _ in range(3)]
            results[n] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        plain = statistics.median(
            float(subprocess.run([sys.executable, "-c", PLAIN, libpq, SQL.format(n=1_000_000)], capture_output=True,
                                 text=True, check=True).stdout) for _ in range(3))
        psql = shutil.which("psql") or str(cluster.bindir / "psql")
        psql_cmd = [psql, "-X", "-q", "-h", str(cluster.socket_dir), "-p", str(cluster.port), "-U",
                    cluster.superuser, "-d", "postgres"]
        psql_rss = child_rss_mb([*psql_cmd, "-o", "/dev/null", "-c", SQL.format(n=1_000_000)])
        export_ours, export_psql = [], []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                import threading, time
                from pathlib import Path
                from tui.db import open_database
                from tui.profiles import Profile
                from tui.services.query.export import export
                from tui.services.query.splitter import split_statements
                db = open_database(Profile(name="b", password="none", **{conninfo!r}))
                t = time.perf_counter()
                export(db, split_statements({SQL.format(n=1_000_000)!r})[0], "csv", Path({str(base / 'o.csv')!r}),
                       lambda n: None, threading.Event())
                print(time.perf_counter() - t)
            """)], check=True, cwd=base, capture_output=True, text=True)
            export_ours.append(float(out.stdout.strip()))
            t = time.perf_counter()
            subprocess.run([*psql_cmd, "-c", f"\\copy ({SQL.format(n=1_000_000)}) to '{base / 'p.csv'}' csv header"],
                           check=True)
            export_psql.append(time.perf_counter() - t)
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    small, big = results[10_000], results[1_000_000]
    print(f"query runner, medians of 3 (Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"first rows on screen      10k rows {small['first_rows_ms']:7.1f} ms   "
          f"1M rows {big['first_rows_ms']:7.1f} ms   (target < 150 ms)")
    print(f"all 1M rows loaded        bastion {big['all_rows_s']:6.2f} s   plain psycopg server-side cursor "
          f"{plain:6.2f} s   ratio {big['all_rows_s'] / plain:4.2f} (target <= 1.5)")
    print(f"peak RSS, 1M rows loaded  bastion {big['rss_mb']:6.1f} MB   psql -c … > /dev/null {psql_rss:6.1f} MB"
          "   (target < 300 MB)")
    print(f"scroll frames (end/home, page down) median {big['frame_ms_median']:5.1f} ms   max "
          f"{big['frame_ms_max']:5.1f} ms   (target < 50 ms)")
    ours, theirs = statistics.median(export_ours), statistics.median(export_psql)
    print(f"CSV export of 1M rows     bastion {ours:6.2f} s (in the app, from the click)   psql \\copy {theirs:6.2f} s"
          f" (whole command)   ratio {ours / theirs:4.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
