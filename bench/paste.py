"""Paste and typing in a big buffer: the real `bastion` on a pseudo-terminal.

For 50 kB, 1 MB and 5 MB of SQL pasted into the Query editor, with and without
bracketed paste (without it, a terminal sends the text as if typed), prints the
time until the editor holds all of it and the process's peak RSS; then the time
per keystroke typed into the 5 MB buffer.

The paste is done when the editor's autosave holds all of it and the process
UI thread has then used no CPU for 150 ms (the time of its last CPU use counts);
a keystroke is done the same way.

    .venv/bin/python bench/paste.py [--sizes 50k,1M,5M] [--keys 20] [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers.pty_terminal import PtyBastion  # noqa: E402

LINE = "insert into orders (id, customer, total) values ({n}, 'customer {n}', {n}.50);\n"
PASTE_START, PASTE_END = b"\x1b[200~", b"\x1b[201~"
QUIET = 0.15  # seconds without CPU use that end a keystroke


def sql_of_size(size: int) -> str:
    lines, total, n = [], 0, 0
    while total < size:
        line = LINE.format(n=n)
        lines.append(line)
        total += len(line)
        n += 1
    return "".join(lines)


def parse_size(text: str) -> int:
    units = {"k": 1000, "M": 1000_000}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


class Session:
    """A fresh bastion on an SQLite file with its own XDG dirs, the Query editor open."""

    def __init__(self, folder: Path) -> None:
        self.home = folder
        env = dict(os.environ, PYTHONPATH=str(ROOT), LANG="C.UTF-8")
        for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env[name] = str(folder / name.lower())
        database = folder / "shop.db"
        with sqlite3.connect(database) as conn:
            conn.execute("create table if not exists orders (id integer primary key, customer text, total numeric)")
        self.bastion = PtyBastion([f"sqlite:///{database}"], env=env, cwd=folder)
        self.bastion.wait_for("orders", timeout=60)
        mark = self.bastion.mark()
        self.bastion.write(b"2")
        self.bastion.wait_for("Run all", since=mark, timeout=30)
        time.sleep(0.5)
        self.autosave = folder / "xdg_data_home" / "bastion" / "editor" / "ad-hoc.sql"

    @property
    def pid(self) -> int:
        return self.bastion.process.pid

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def cpu_seconds(self) -> float:
        """CPU used by the main (UI) thread: not the autosave's writer thread."""
        fields = Path(f"/proc/{self.pid}/task/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def send_all(self, data: bytes) -> None:
        """Write like a terminal: as fast as the app reads (a pty holds a few kB)."""
        view = memoryview(data)
        while view:
            written = os.write(self.bastion.master, view[:65536])
            view = view[written:]

    def wait_for_text(self, expected: str, started: float, timeout: float) -> float | None:
        """Seconds from `started` (time.monotonic) until the editor held `expected`
        and the app went quiet (None: timed out)."""
        deadline = time.monotonic() + timeout
        want = len(expected.encode())
        last_busy, used = started, self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.01)
            now = self.cpu_seconds()
            if now != used:
                used, last_busy = now, time.monotonic()
            if time.monotonic() - last_busy < QUIET or not self._autosave_holds(expected, want):
                continue
            return last_busy - started
        return None

    def _autosave_holds(self, expected: str, size: int) -> bool:
        try:
            return self.autosave.stat().st_size >= size and self.autosave.read_text() == expected
        except OSError:
            return False

    def close(self) -> None:
        self.bastion.close()


def paste(size: int, bracketed: bool, timeout: float) -> tuple[float | None, float]:
    text = sql_of_size(size)
    with tempfile.TemporaryDirectory(prefix="bastion-paste-") as folder:
        session = Session(Path(folder))
        try:
            data = text.replace("\n", "\r").encode()  # a terminal sends Enter for each newline
            if bracketed:
                data = PASTE_START + data + PASTE_END
            started = time.monotonic()
            sender = threading.Thread(target=session.send_all, args=(data,), daemon=True)
            sender.start()
            elapsed = session.wait_for_text(text, started, timeout)
            return elapsed, session.peak_rss_mb()
        finally:
            session.close()


def keystrokes_in_big_buffer(size: int, keys: int, timeout: float) -> list[float]:
    text = sql_of_size(size)
    with tempfile.TemporaryDirectory(prefix="bastion-paste-") as folder:
        session = Session(Path(folder))
        try:
            started = time.monotonic()
            session.send_all(PASTE_START + text.replace("\n", "\r").encode() + PASTE_END)
            if session.wait_for_text(text, started, timeout) is None:
                return []
            times = []
            for _ in range(keys):
                times.append(one_keystroke(session))
            return times
        finally:
            session.close()


def one_keystroke(session: Session) -> float:
    """Milliseconds from the key's write until the app went quiet."""
    before = session.cpu_seconds()
    sent = time.monotonic()
    session.bastion.write(b"x")
    last_busy, used = sent, before
    while time.monotonic() - last_busy < QUIET:
        time.sleep(0.01)
        now = session.cpu_seconds()
        if now != used:
            used, last_busy = now, time.monotonic()
    return (last_busy - sent) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50k,1M,5M")
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    print(f"{'paste':>10} {'bracketed':>10} {'seconds':>9} {'peak RSS MB':>12}")
    for size in sizes:
        for bracketed in (True, False):
            elapsed, rss = paste(size, bracketed, args.timeout)
            shown = f"{elapsed:9.2f}" if elapsed is not None else f"{'>' + str(int(args.timeout)):>9}"
            print(f"{size:>10,} {'yes' if bracketed else 'no':>10} {shown} {rss:12.0f}", flush=True)
    if args.keys:
        times = keystrokes_in_big_buffer(max(sizes), args.keys, args.timeout)
        if times:
            rest = times[1:] or times
            print(f"typing in a {max(sizes):,}-byte buffer: first key {times[0]:.0f} ms, then median "
                  f"{statistics.median(rest):.0f} ms, max {max(rest):.0f} ms per key ({len(times)} keys)")
            print("  ms per key:", " ".join(f"{t:.0f}" for t in times))
        else:
            print("typing: the paste did not finish in time")


if __name__ == "__main__":
    main()
