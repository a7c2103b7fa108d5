"""Fleet view: how long until every server of 50 profiles has a row, and what a
refresh costs, against one local PostgreSQL with 50 databases (a profile
each), plus two that cannot answer: a refused port and a silent one.

Figures: time to the full table (first poll: 50 connections opened), then
per refresh (connections kept) wall time and this process's CPU time.

    .venv/bin/python bench/fleet.py [--profiles 50] [--refreshes 20]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from tui.demo.cluster import LocalCluster, cluster_temp_dir, free_port  # noqa: E402
from tui.profiles import Profile  # noqa: E402
from tui.secrets import PasswordVault  # noqa: E402
from tui.services.fleet import FleetPoller  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=50)
    parser.add_argument("--refreshes", type=int, default=20)
    args = parser.parse_args()

    base = cluster_temp_dir("bastion-bench-fleet-")
    cluster = LocalCluster(datadir=base / "data", socket_dir=base / "sock", settings={"max_connections": "200"})
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts (in the kernel's backlog) and never answers
    try:
        cluster.start()
        names = [f"fleet_{i:03d}" for i in range(args.profiles)]
        with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        profiles = [Profile(name=name, host=str(cluster.socket_dir), port=cluster.port, database=name,
                            user=cluster.superuser, password="none") for name in names]
        profiles += [
            Profile(name="refused", host="127.0.0.1", port=free_port(), database="x", user="x", password="none"),
            Profile(name="silent", host="127.0.0.1", port=silent.getsockname()[1], database="x", user="x",
                    password="none"),
        ]
        poller = FleetPoller(profiles, PasswordVault(), timeout=2.0)
        try:
            started, cpu = time.perf_counter(), cpu_seconds()
            answered_at: list[float] = []

            def progress(so_far: list) -> None:  # type: ignore[type-arg]
                # Every server but the silent one has a fresh row.
                fresh = sum(target.future is not None and target.future.done() for target in poller.targets)
                if not answered_at and fresh >= len(profiles) - 1:
                    answered_at.append(time.perf_counter() - started)

            rows = poller.poll(on_progress=progress)
            first_wall, first_cpu = time.perf_counter() - started, cpu_seconds() - cpu
            ok = sum(row.status == "ok" for row in rows)
            walls, answering, cpus = [], [], []
            for _ in range(args.refreshes):
                time.sleep(0.2)
                started, cpu = time.perf_counter(), cpu_seconds()
                answered_at.clear()
                poller.poll(on_progress=progress, progress_every=0.01)
                walls.append(time.perf_counter() - started)
                answering.append(answered_at[0] if answered_at else walls[-1])
                cpus.append(cpu_seconds() - cpu)
        finally:
            poller.close()
        print(f"profiles: {len(profiles)} ({ok} answered; one refused, one silent: 2 s deadline)")
        if answered_at:
            print(f"every answering server shown (first poll, connections opened): {answered_at[0] * 1000:.0f} ms")
        print(f"full table with the silent one's timeout: {first_wall * 1000:.0f} ms wall, "
              f"{first_cpu * 1000:.0f} ms CPU")
        print(f"refresh (connections kept): every answering server in {statistics.median(answering) * 1000:.0f} ms"
              f" (median; max {max(answering) * 1000:.0f} ms); the silent one's deadline ends it at "
              f"{statistics.median(walls) * 1000:.0f} ms; {statistics.median(cpus) * 1000:.1f} ms CPU")
        print(f"refresh CPU per server: {statistics.median(cpus) / len(profiles) * 1000:.2f} ms; "
              f"at a 2 s interval that is {statistics.median(cpus) / 2 * 100:.1f}% of a core")
    finally:
        silent.close()
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
