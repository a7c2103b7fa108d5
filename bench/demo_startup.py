"""Time `bastion demo` start-up: the first run (fresh directory: initdb + seed)
and later runs (reuse), each until conninfo is ready, then the stop.

    python bench/demo_startup.py [--later-runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.demo.cluster import cluster_temp_dir  # noqa: E402
from tui.demo.runner import DemoEnvironment  # noqa: E402


def timed_run(base_dir: Path, workload: bool) -> tuple[float, float, bool]:
    """Seconds to start, seconds to stop, and whether this run seeded."""
    began = time.monotonic()
    demo = DemoEnvironment(base_dir, progress=lambda _msg: None, workload=workload)
    demo.start()
    started = time.monotonic() - began
    assert demo.conninfo, "no conninfo after start"
    seeded = demo.seeded_now
    began = time.monotonic()
    demo.close()
    return started, time.monotonic() - began, seeded


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--later-runs", type=int, default=3)
    parser.add_argument("--no-workload", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary demo directory")
    args = parser.parse_args()

    # Under /tmp so the server user can reach it when this runs as root.
    base_dir = cluster_temp_dir("bastion-demo-bench-")
    try:
        first, first_stop, seeded = timed_run(base_dir, not args.no_workload)
        print(
            f"first run  (initdb + seed{'' if seeded else ' SKIPPED?'}): "
            f"start {first:6.2f} s   stop {first_stop:5.2f} s"
        )
        later = [timed_run(base_dir, not args.no_workload) for _ in range(args.later_runs)]
        for i, (start, stop, seeded) in enumerate(later, 1):
            print(
                f"later run {i}{' (re-seeded!)' if seeded else ''}:"
                f"               start {start:6.2f} s   stop {stop:5.2f} s"
            )
        if later:
            print(f"later runs: median start {statistics.median(s for s, _, _ in later):.2f} s")
        size = sum(f.stat().st_size for f in (base_dir / "data").rglob("*") if f.is_file())
        print(f"data directory: {size / 1e6:.0f} MB")
    finally:
        if args.keep:
            print(f"kept {base_dir}")
        else:
            shutil.rmtree(base_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
