"""Saving the profiles file: the round-trip save (comments and layout kept, only
the changed lines differ; the first save of a session parses the file, the next
reuse the document) against a plain PyYAML dump of the same data (what a save
cost before, losing every comment), for files of 10, 100 and 1,400 profiles.

    .venv/bin/python bench/profiles_save.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.profiles import ProfileStore  # noqa: E402


def profiles_text(count: int) -> str:
    parts = ["# team profiles\nprofiles:\n"]
    for i in range(count):
        parts.append(f"  # profile {i}\n  p{i}:\n    host: db{i}.example.internal   # note\n    port: 5432\n"
                     f"    database: app{i}\n    user: user{i}\n    sslmode: verify-full\n\n")
    return "".join(parts)


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"{'profiles':>8}  {'KB':>5}  {'load':>8}  {'first save':>10}  {'next save':>9}  {'PyYAML dump':>11}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profiles.yaml"
        for count in (10, 100, 1400):
            text = profiles_text(count)
            loads, saves, again, dumps = [], [], [], []
            for _ in range(runs):
                path.write_text(text)
                store = ProfileStore(path)
                loads.append(timed(store.load))
                name = f"p{count // 2}"
                saves.append(timed(lambda s=store, n=name: s.put(s.get(n).with_changes(database="changed"))))
                again.append(timed(lambda s=store, n=name: s.put(s.get(n).with_changes(database="again"))))
                data = yaml.safe_load(text)
                dumps.append(timed(lambda d=data: yaml.safe_dump(d, sort_keys=False)))
            print(f"{count:>8}  {len(text) // 1024:>5}  {statistics.median(loads) * 1000:>6.0f}ms  "
                  f"{statistics.median(saves) * 1000:>8.0f}ms  {statistics.median(again) * 1000:>7.0f}ms  "
                  f"{statistics.median(dumps) * 1000:>9.0f}ms")


if __name__ == "__main__":
    main()
