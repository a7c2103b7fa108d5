"""SSH tunnels: what going through the system ssh costs.

Starts its own PostgreSQL and a throwaway sshd on 127.0.0.1 (the test suite's
rig, tests/helpers/sshd_rig.py), then measures, direct over 127.0.0.1 versus through
`ssh -N -L` to the same server:

- connect: open_database() until the server has been probed (the tunnel's share
  is the ssh start until its local port listens);
- round trip: `SELECT 1` on an open connection;
- 100,000 rows of generate_series fetched as text;
- a dropped tunnel (its ssh killed): until bastion hears of it, and until the
  connection is back through a new ssh (what the workspace's banner does).

Loopback only: a real jump host adds its network latency to every round trip
and its handshake to the connect, which these figures do not include.

    .venv/bin/python bench/tunnel.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.sshd_rig import SshServer  # noqa: E402

from tui.db import open_database  # noqa: E402
from tui.db.postgres import PostgresDatabase  # noqa: E402
from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402
from tui.profiles import Profile, SshConfig  # noqa: E402

ROWS = 100_000


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.1f} ms"


def timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(profile: Profile, password: str, runs: int) -> dict[str, str]:
    connects, tunnel_starts = [], []
    for _ in range(runs):
        started = time.perf_counter()
        marks: list[float] = []

        def mark(_step: str, marks: list[float] = marks) -> None:
            marks.append(time.perf_counter())

        database = open_database(profile, password, progress=mark)
        connects.append(time.perf_counter() - started)
        if len(marks) == 2:
            tunnel_starts.append(marks[1] - marks[0])
        database.close()
    database = open_database(profile, password)
    assert isinstance(database, PostgresDatabase)
    try:
        conn = database.conn
        trips = [timed(lambda: conn.execute("SELECT 1").fetchone()) for _ in range(runs * 10)]
        fetches = [timed(lambda: conn.execute(
            f"SELECT g::text, md5(g::text) FROM generate_series(1, {ROWS}) g").fetchall()) for _ in range(5)]
    finally:
        database.close()
    return {
        "connect": median_ms(connects),
        "of which ssh start": median_ms(tunnel_starts) if tunnel_starts else "-",
        "round trip": f"{statistics.median(trips) * 1e6:.0f} µs",
        f"{ROWS:,} rows": median_ms(fetches),
    }


def measure_drop(profile: Profile, password: str, runs: int) -> dict[str, str]:
    """Kill the tunnel's ssh; time the notice (the tunnel's watcher) and the
    reconnect through a new tunnel, as the banner runs it."""
    import threading

    notices, backs = [], []
    database = open_database(profile, password)
    assert isinstance(database, PostgresDatabase) and database.tunnel is not None
    try:
        for _ in range(runs):
            heard = threading.Event()
            database.watch_tunnel(lambda _reason, heard=heard: heard.set())
            process = database.tunnel.process
            assert process is not None
            killed = time.perf_counter()
            process.kill()
            if not heard.wait(10):
                raise RuntimeError("the tunnel's drop was never reported")
            notices.append(time.perf_counter() - killed)
            database.reconnect()
            backs.append(time.perf_counter() - killed)
    finally:
        database.close()
    return {"drop noticed": median_ms(notices), "back through new ssh": median_ms(backs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    base = cluster_temp_dir("bastion-bench-tunnel-")
    base.chmod(0o755)
    cluster = LocalCluster(datadir=base / "data", socket_dir=base / "sock")
    cluster.start()
    try:
        with SshServer() as sshd:
            direct = Profile(name="direct", host="127.0.0.1", port=cluster.port, database="postgres",
                             user=cluster.superuser, sslmode="disable")
            ssh = SshConfig(host=sshd.host, user=sshd.user, port=sshd.port, identity_file=str(sshd.identity_file),
                            options=tuple(sshd.ssh_options()))
            tunnelled = direct.with_changes(name="tunnel", ssh=ssh)
            rows = {"direct 127.0.0.1": measure(direct, cluster.password, args.runs),
                    "through ssh -L": measure(tunnelled, cluster.password, args.runs)}
            drop = measure_drop(tunnelled, cluster.password, min(args.runs, 10))
    finally:
        cluster.stop()
    columns = list(next(iter(rows.values())))
    print(f"{'':<18}" + "".join(f"{c:>20}" for c in columns))
    for name, figures in rows.items():
        print(f"{name:<18}" + "".join(f"{figures[c]:>20}" for c in columns))
    print("ssh killed: " + ", ".join(f"{name} {value}" for name, value in drop.items()) + " (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
