"""CSV import: 1,000,000 rows through bastion's COPY FROM STDIN beside `psql \\copy`
of the same file into the same table (target: bastion no worse than 1.3x).

Also the path where rows are read in Python (a skipped column): for information.
Builds the file and a throwaway LocalCluster under /tmp and removes both after.

    .venv/bin/python bench/import.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from tui.db import open_database  # noqa: E402
from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402
from tui.profiles import Profile  # noqa: E402
from tui.services.transfer.csv_import import import_csv, table_columns  # noqa: E402
from tui.services.transfer.csv_plan import CsvOptions, plan_import  # noqa: E402

TABLE = """CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, amount numeric(12,2),
                              created timestamptz, note text)"""


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "amount", "created", "note"])
        for i in range(1, rows + 1):
            note = "" if i % 5 == 0 else (f'said "hi", {i}' if i % 7 == 0 else f"note {i}")
            writer.writerow([i, f"item {i}", f"{i % 100000 / 7:.2f}", f"2026-01-{1 + i % 28:02d} 12:{i % 60:02d}:00+00",
                             note])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = cluster_temp_dir("bastion-bench-import-")
    os.chmod(base, 0o755)
    cluster = LocalCluster(base / "data", base / "sock")
    cluster.start()
    data = base / "items.csv"
    figures: dict[str, list[float]] = {"bastion import": [], "psql \\copy": [], "bastion, rows read in Python": []}
    try:
        write_csv(data, args.rows)
        os.chmod(base, 0o755)
        data.chmod(0o644)
        conninfo = cluster.socket_conninfo()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(TABLE)
        profile = Profile(name="bench", host=str(cluster.socket_dir), port=cluster.port, database="postgres",
                          user=cluster.superuser, password="none")
        database = open_database(profile)
        psql = [str(cluster.bindir / "psql"), "-X", "-q", "-h", str(cluster.socket_dir), "-p", str(cluster.port),
                "-U", cluster.superuser, "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                "-c", f"\\copy items FROM '{data}' WITH (FORMAT csv, HEADER true)"]

        def truncate() -> None:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("TRUNCATE items")
                conn.execute("CHECKPOINT")

        for _ in range(args.runs):
            for label in figures:
                truncate()
                started = time.perf_counter()
                if label == "psql \\copy":
                    subprocess.run(psql, check=True)
                else:
                    columns = ("id", "name", "amount", "created", "-") if "Python" in label else None
                    plan = plan_import(data, table_columns(database, "public", "items"), CsvOptions(columns=columns))
                    import_csv(database, profile, "public", "items", plan, lambda _p: None, threading.Event())
                figures[label].append(time.perf_counter() - started)
        database.close()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    size = args.rows
    print(f"{size:,} rows ({data.name}), median of {args.runs} runs "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    psql_time = statistics.median(figures["psql \\copy"])
    for label, samples in figures.items():
        median = statistics.median(samples)
        print(f"{label:<30} {median:7.2f} s  {size / median:>10,.0f} rows/s  {median / psql_time:5.2f}x psql")


if __name__ == "__main__":
    main()
