"""`bastion query` figures for
`SELECT g, md5(g::text), now(), g * 1.5 FROM generate_series(1, 1000000) g`,
each to /dev/null, beside psql with the same rows:

- wall time and peak RSS in csv (streamed) and table (aligned: rows spooled to a temp file for
  the widths, constant memory),
- psql --csv (whole result in memory, psql's default) and with FETCH_COUNT=5000,
- the same bytes: bastion's csv output compared with psql's for 10k rows.

    .venv/bin/python bench/cli_query.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402

SQL = "SELECT g, md5(g::text), now(), g * 1.5 FROM generate_series(1, {n}) g"
N = 1_000_000


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, its stdout to /dev/null."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen(cmd, stdout=sink, env=env)
        _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    base = cluster_temp_dir("bastion-bench-cli-query-")
    cluster = LocalCluster(base / "pg", base / "sock")
    cluster.start()
    try:
        profiles = base / "profiles.yaml"
        profiles.write_text(f"profiles:\n  bench:\n    host: {cluster.socket_dir}\n    port: {cluster.port}\n"
                            f"    user: {cluster.superuser}\n    database: postgres\n    password: none\n")
        bastion = [sys.executable, "-m", "tui", "query", "--profiles", str(profiles), "bench"]
        psql = [shutil.which("psql") or str(cluster.bindir / "psql"), "-X", "-q", "-h", str(cluster.socket_dir),
                "-p", str(cluster.port), "-U", cluster.superuser, "-d", "postgres"]
        small = SQL.format(n=10_000).replace("now()", "'2026-01-01'::timestamptz")
        ours = subprocess.run([*bastion, small, "--format", "csv"], capture_output=True, check=True).stdout
        theirs = subprocess.run([*psql, "--csv", "-c", small], capture_output=True, check=True).stdout
        sql = SQL.format(n=N)
        rows = [
            ("bastion query --format csv", measure([*bastion, sql, "--format", "csv"])),
            ("psql --csv", measure([*psql, "--csv", "-c", sql])),
            ("psql --csv, FETCH_COUNT=5000", measure([*psql, "--csv", "-v", "FETCH_COUNT=5000", "-c", sql])),
            ("bastion query --format table", measure([*bastion, sql, "--format", "table"])),
            ("psql (aligned)", measure([*psql, "-c", sql])),
            ("bastion query --format json", measure([*bastion, sql, "--format", "json"])),
        ]
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"csv of 10k rows, bastion vs psql --csv: {'identical' if ours == theirs else 'DIFFERENT'} "
          f"({len(ours):,} bytes)")
    print(f"{N:,} rows to /dev/null:")
    for name, (seconds, rss) in rows:
        print(f"  {name:32} {seconds:6.2f} s   peak RSS {rss:7.1f} MB")


if __name__ == "__main__":
    main()
