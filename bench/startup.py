"""Start-up time: process start → profile picker ready, and → workspace ready.

Runs bastion headless in a fresh Python process each time (so imports count),
against a throwaway local PostgreSQL for the workspace, and prints the median
of several runs with the peak RSS, next to `python -c "import textual"`.

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import argparse
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

# The child: build the real app, note the moment the wanted screen has painted.
CHILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from tui.app import BastionApp
    from tui.profiles import Profile, ProfileStore
    from tui.screens.picker import PickerScreen
    from tui.screens.workspace import WorkspaceScreen
    from tui.settings import Settings

    want, profiles, conninfo = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    target = PickerScreen if want == "picker" else WorkspaceScreen
    start = Profile(name="bench", password="none", **conninfo) if want == "workspace" else None

    class Timed(BastionApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.set_interval(0.002, self.check)

        def check(self) -> None:
            if isinstance(self.screen, target) and self.screen.is_mounted:
                self.call_after_refresh(self.done)

        def done(self) -> None:
            if not self.is_running:
                return
            rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(json.dumps({"ready": time.time(), "rss_mb": rss_mb}), flush=True)
            self.exit()

    app = Timed(ProfileStore(Path(profiles)).load(), settings=Settings(), start_profile=start,
                theme_name="bastion-dark")
    app.run(headless=True, size=(120, 40))
""")


def time_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    started = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True,
                         env=env, timeout=60)
    if out.returncode != 0:
        raise SystemExit(f"bastion failed to start: {out.stderr[-2000:]}")
    out = out.stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["ready"] - started, result["rss_mb"]


def time_import_textual(env: dict[str, str]) -> float:
    started = time.time()
    subprocess.run([sys.executable, "-c", "import textual.app"], env=env, check=True)
    return time.time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    base = cluster_temp_dir("bastion-bench-")
    os.chmod(base, 0o755)
    env = {**os.environ, "XDG_CONFIG_HOME": str(base / "config"), "XDG_STATE_HOME": str(base / "state"),
           "TERM": "xterm-256color"}
    profiles = base / "profiles.yaml"
    profiles.write_text("profiles:\n  one:\n    host: db.example.internal\n")
    cluster = LocalCluster(base / "data", base / "sock")
    cluster.start()
    try:
        conninfo = json.dumps({"host": str(cluster.socket_dir), "port": cluster.port,
                               "user": cluster.superuser, "database": "postgres"})
        rows = []
        for want in ("picker", "workspace"):
            samples = [time_child([want, str(profiles), conninfo], env) for _ in range(runs)]
            rows.append((want, statistics.median(s[0] for s in samples), max(s[1] for s in samples)))
        textual_import = statistics.median(time_import_textual(env) for _ in range(runs))
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"bastion start-up, median of {runs} runs (Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    label = 'python -c "import textual.app"'
    print(f"{label:<34} {textual_import * 1000:7.0f} ms")
    for want, seconds, rss in rows:
        print(f"{'process start -> ' + want + ' ready':<34} {seconds * 1000:7.0f} ms   peak RSS {rss:5.1f} MB")


if __name__ == "__main__":
    main()
