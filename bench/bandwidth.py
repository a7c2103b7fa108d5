"""Terminal bandwidth: the bytes bastion writes to its terminal, per pane, painting and idle.

For users on slow SSH links: what a 64 kbit/s line (8 KB/s) has to carry. Starts
a throwaway demo PostgreSQL (tui.demo.runner.DemoEnvironment: seeded shop data,
its Alembic project, and a live workload: a shop front querying about once a
second, a session idle in transaction, a lock chain of three), then runs the
real `bastion` console script in a pseudo-terminal this script owns, types keys
into it like a user and timestamps every byte it writes. At each size:

- first paint: from a key (or process start) until the screen is quiet for 1 s;
- idle: bytes per second over --seconds on Browse (a table open), Query (a
  result shown), Migrations, and Activity (refreshing at its default 2 s);
- pane switch: bytes for switching to an already built pane;
- the same first paints and switches with TEXTUAL_ANIMATIONS=full (bastion's
  default is no animations);
- pg_activity (if a venv with it exists, default /tmp/pgact-venv) and psql at
  rest, as references.

The pseudo-terminal answers Textual's query for synchronized output as modern
terminals do, so every frame is bracketed by ESC[?2026h / ESC[?2026l; a small
screen model replays the stream to tell which screen rows each idle frame
rewrote and which of them actually changed ("what is redrawn" below the table).
Colours: no COLORTERM, as over SSH (which does not forward it): 256 colours;
--truecolor sets COLORTERM=truecolor.

    .venv/bin/python bench/bandwidth.py [--seconds 8] [--sizes 80x24 120x40] [--truecolor]

About 3 minutes with the defaults (10-20 s of it seeding the demo database; --demo-dir
keeps the seeded cluster for later runs). Ctrl+C stops bastion, the workload and
the server and deletes the temporary files.
"""

from __future__ import annotations

import argparse
import bisect
import fcntl
import os
import re
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.cells import get_character_cell_size  # noqa: E402

from tui.demo.cluster import cluster_temp_dir, find_server_bindir  # noqa: E402
from tui.demo.runner import DemoEnvironment  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BASTION = ROOT / ".venv" / "bin" / "bastion"

# Keys as a terminal sends them (README "Keys").
ESC, ENTER, CTRL_J, CTRL_Q = b"\x1b", b"\r", b"\n", b"\x11"
PANE_KEYS = {"browse": b"1", "query": b"2", "migrations": b"3", "activity": b"4"}

# What the Query pane runs before its idle window: a screenful of rows.
QUERY = "SELECT id, customer_id, status, placed_at, total FROM shop.orders ORDER BY id LIMIT 200"
BROWSE_TABLE = "customers"  # typed into the sidebar filter; its first match (shop.customers) is opened

# Questions programs ask their terminal, and the answers a modern terminal gives.
ANSWERS = {
    b"\x1b[?2026$p": b"\x1b[?2026;2$y",  # Textual: synchronized output? "yes, currently off" (xterm, kitty, ...)
    b"\x1b[6n": b"\x1b[1;1R",  # pg_activity (blessed): where is the cursor? (it waits for the answer)
}
SYNC_END = b"\x1b[?2026l"

QUIET = 1.0  # seconds without output that count as "the screen has settled"


# ---------------------------------------------------------------------------
# A pseudo-terminal with a program on its slave side
# ---------------------------------------------------------------------------


class Pty:
    """Runs `argv` on a new pseudo-terminal (its controlling terminal, size cols x rows).

    A thread reads the master side and keeps every chunk with its arrival time;
    it also answers the few queries in ANSWERS the way a modern terminal does."""

    live: list[Pty] = []  # for cleanup on the way out, whatever the way

    def __init__(self, argv: list[str], env: dict[str, str], cols: int, rows: int, cwd: Path) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True,
            start_new_session=True,  # its own session: Ctrl+C here does not reach it; we stop it ourselves
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # the pty becomes its /dev/tty
        )
        os.close(slave)
        self.chunks: list[tuple[float, bytes]] = []
        self.marks: list[tuple[str, float]] = []  # (what, when): for --dump
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self.reader.start()
        Pty.live.append(self)

    def _read(self) -> None:
        tail = b""
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program has exited and closed the slave side
                return
            if not data:
                return
            now = time.monotonic()
            with self.lock:
                self.chunks.append((now, data))
            for question, answer in ANSWERS.items():
                if question in tail + data:
                    os.write(self.master, answer)
            tail = data[-16:]

    # -- driving ---------------------------------------------------------------
    def send(self, keys: bytes, pause: float = 0.05) -> float:
        """Type `keys`; returns the moment they were sent."""
        at = time.monotonic()
        os.write(self.master, keys)
        time.sleep(pause)
        return at

    def type_text(self, text: str) -> None:
        for char in text:  # one key at a time, as a person types
            self.send(char.encode(), pause=0.005)

    def last_output(self) -> float:
        with self.lock:
            return self.chunks[-1][0] if self.chunks else self.started

    def settle(self, since: float, quiet: float = QUIET, timeout: float = 20.0, first: float = 8.0) -> float:
        """Wait until something was drawn after `since` and then nothing for `quiet` s
        (or nothing at all for `first` s); returns the time of the last byte drawn."""
        deadline = since + timeout
        while time.monotonic() < deadline:
            last, now = self.last_output(), time.monotonic()
            if last >= since and now - last >= quiet:
                return last
            if last < since and now - since >= first:
                return since
            time.sleep(0.05)
        return self.last_output()

    def nbytes(self, start: float, end: float = float("inf")) -> int:
        with self.lock:
            return sum(len(data) for at, data in self.chunks if start <= at < end)

    def frames(self, start: float, end: float = float("inf")) -> int:
        """Frames (synchronized-output updates) completed in [start, end)."""
        with self.lock:
            return b"".join(data for at, data in self.chunks if start <= at < end).count(SYNC_END)

    def mark(self, what: str, at: float) -> float:
        self.marks.append((what, at))
        return at

    def dump(self, path: Path) -> None:
        """The raw stream (path.bin) and where each step began in it (path.marks)."""
        chunks = self.snapshot()
        path.with_suffix(".bin").write_bytes(b"".join(data for _, data in chunks))
        lines = []
        for what, at in self.marks:
            offset = sum(len(data) for t, data in chunks if t < at)
            lines.append(f"{offset}\t{at - self.started:.3f}\t{what}\n")
        path.with_suffix(".marks").write_text("".join(lines))

    def buckets(self, start: float, end: float, width: float = 1.0) -> list[int]:
        """Bytes in each `width`-second bucket of [start, end)."""
        counts = [0] * max(1, round((end - start) / width))
        with self.lock:
            for at, data in self.chunks:
                if start <= at < end:
                    counts[min(len(counts) - 1, int((at - start) / width))] += len(data)
        return counts

    def snapshot(self) -> list[tuple[float, bytes]]:
        with self.lock:
            return list(self.chunks)

    # -- ending ----------------------------------------------------------------
    def close(self, quit_keys: bytes | None = None, wait: float = 10.0) -> int | None:
        """Quit with `quit_keys`, else SIGTERM, else SIGKILL (to its own process group)."""
        try:
            if quit_keys and self.proc.poll() is None:
                try:
                    os.write(self.master, quit_keys)
                    self.proc.wait(wait)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            for signum, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                if self.proc.poll() is not None:
                    break
                try:
                    os.killpg(self.proc.pid, signum)
                    self.proc.wait(grace)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    pass
            return self.proc.returncode
        finally:
            self.reader.join(2)
            try:
                os.close(self.master)
            except OSError:
                pass
            if self in Pty.live:
                Pty.live.remove(self)


# ---------------------------------------------------------------------------
# Which screen rows the bytes went to: a tiny model of the terminal
# ---------------------------------------------------------------------------

# One token: a CSI sequence, an OSC / DCS / APC string, another escape, a control byte, or text.
TOKEN = re.compile(
    rb"\x1b\[([0-?]*)[ -/]*([@-~])|\x1b[\]P^_].*?(?:\x07|\x1b\\)|\x1b.|([\x00-\x1f\x7f])|[^\x00-\x1f\x1b\x7f]+",
    re.S,
)


@dataclass
class RowUse:
    """What one idle window did to the screen."""

    frames: int = 0
    bytes_per_row: Counter[int] = field(default_factory=Counter)
    frames_per_row: Counter[int] = field(default_factory=Counter)  # frames that rewrote the row
    changed_per_row: Counter[int] = field(default_factory=Counter)  # ... whose text then differed
    unchanged_bytes: int = 0  # bytes of row rewrites after which the row's text was the same
    style_bytes: int = 0  # SGR sequences (colours, bold, reset)
    text_bytes: int = 0  # the characters themselves (UTF-8)
    text: dict[int, str] = field(default_factory=dict)  # the row at the end of the window


class ScreenModel:
    """Cursor moves (CUP, newline, save/restore), erasing and text: enough to follow
    Textual's and curses' output. No styles."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.row = self.col = 0
        self.saved = (0, 0)

    def lines(self) -> list[str]:
        return ["".join(line).rstrip() for line in self.grid]

    def feed(self, token: re.Match[bytes]) -> None:
        final, whole = token.group(2), token.group(0)
        if final is not None:  # CSI
            params = token.group(1)
            if final in (b"H", b"f"):
                row, col = [int(p) if p.isdigit() else 1 for p in (params.split(b";") + [b"", b""])[:2]]
                self.row, self.col = min(self.rows - 1, max(0, row - 1)), min(self.cols - 1, max(0, col - 1))
            elif final == b"K":  # erase in line
                line = self.grid[self.row]
                start, end = {b"1": (0, self.col + 1), b"2": (0, self.cols)}.get(params, (self.col, self.cols))
                line[start:end] = [" "] * (end - start)
            elif final == b"J" and params in (b"2", b"3"):
                self.grid = [[" "] * self.cols for _ in range(self.rows)]
            return
        if whole == b"\x1b7":
            self.saved = (self.row, self.col)
        elif whole == b"\x1b8":
            self.row, self.col = self.saved
        control = token.group(3)
        if control == b"\n":  # the pty turns LF into CR LF (ONLCR)
            self.row, self.col = min(self.rows - 1, self.row + 1), 0
        elif control == b"\r":
            self.col = 0
        elif control is None and not whole.startswith(b"\x1b"):
            line = self.grid[self.row]
            for char in whole.decode("utf-8", "replace"):
                width = get_character_cell_size(char)
                if width == 0 or self.col >= self.cols:
                    continue
                line[self.col] = char
                if width == 2 and self.col + 1 < self.cols:
                    line[self.col + 1] = ""
                self.col += width


def row_use(chunks: list[tuple[float, bytes]], cols: int, rows: int, start: float, end: float) -> RowUse:
    """Replay the stream from the beginning; account the frames that arrived in [start, end).

    A frame ends with ESC[?2026l (synchronized output), or, for programs that do not
    use it (curses), before output that comes more than 50 ms after the previous."""
    stream = b"".join(data for _, data in chunks)
    offsets, times, total = [], [], 0
    for at, data in chunks:
        offsets.append(total)
        times.append(at)
        total += len(data)
    screen, use = ScreenModel(cols, rows), RowUse()
    before = screen.lines()
    touched: Counter[int] = Counter()  # row -> bytes in this frame
    frame_inside, previous = False, 0.0

    def end_frame() -> None:
        nonlocal before
        after = screen.lines()
        if frame_inside and touched:
            use.frames += 1
            for row, nbytes in touched.items():
                use.frames_per_row[row] += 1
                use.changed_per_row[row] += before[row] != after[row]
                use.unchanged_bytes += nbytes if before[row] == after[row] else 0
        touched.clear()
        before = after

    for token in TOKEN.finditer(stream):
        at = times[bisect.bisect_right(offsets, token.start()) - 1]
        if at - previous > 0.05:
            end_frame()
        previous, frame_inside = at, start <= at < end
        screen.feed(token)
        if frame_inside:
            nbytes = len(token.group(0))
            use.bytes_per_row[screen.row] += nbytes
            touched[screen.row] += nbytes
            if token.group(2) == b"m":
                use.style_bytes += nbytes
            elif not token.group(0).startswith(b"\x1b") and token.group(3) is None:
                use.text_bytes += nbytes
        if token.group(0) == SYNC_END:
            end_frame()
    end_frame()
    use.text = dict(enumerate(screen.lines()))
    return use


# ---------------------------------------------------------------------------
# The runs
# ---------------------------------------------------------------------------


@dataclass
class Measure:
    first: int = 0  # bytes of the first paint
    first_frames: int = 0
    idle_total: int = 0
    idle_seconds: float = 0.0
    idle_buckets: list[int] = field(default_factory=list)
    switch: int | None = None  # bytes to come back to the pane once built
    switch_frames: int = 0
    use: RowUse | None = None

    @property
    def rate(self) -> float:
        return self.idle_total / self.idle_seconds if self.idle_seconds else 0.0


def first_paint(term: Pty, since: float, into: Measure) -> None:
    """Wait for the screen to settle after `since`; note the bytes and frames drawn."""
    end = term.settle(since) + 0.001
    into.first, into.first_frames = term.nbytes(since, end), term.frames(since, end)


def idle(term: Pty, seconds: float, cols: int, rows: int, into: Measure) -> None:
    start = term.mark("idle", time.monotonic())
    time.sleep(seconds)
    end = time.monotonic()
    into.idle_total, into.idle_seconds = term.nbytes(start, end), end - start
    into.idle_buckets = term.buckets(start, end)
    into.use = row_use(term.snapshot(), cols, rows, start, end)


def screen_text(term: Pty, cols: int, rows: int) -> str:
    return "\n".join(line for line in row_use(term.snapshot(), cols, rows, 0, 0).text.values())


def expect(term: Pty, cols: int, rows: int, words: str, what: str) -> None:
    """Stop with the screen shown when a step did not get where it should."""
    text = screen_text(term, cols, rows)
    if words not in text:
        raise SystemExit(f"{what}: '{words}' not on the screen:\n{text}")


def fresh_home(env: dict[str, str], base: Path) -> dict[str, str]:
    """`env` with a new, empty HOME and XDG directories: nothing of the user's is read or
    written, and no run sees another's state (the Query editor restores its last buffer)."""
    home = Path(tempfile.mkdtemp(prefix="home-", dir=base))
    dirs = {name: home / name.split("_")[1].lower() for name in
            ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}
    for path in dirs.values():
        path.mkdir()
    return {**env, "HOME": str(home), **{name: str(path) for name, path in dirs.items()}}


def run_bastion(env: dict[str, str], profiles: Path, cwd: Path, cols: int, rows: int, seconds: float,
                animations: bool, dump: Path | None) -> dict[str, Measure]:
    """One session through the four panes. With `animations`, no idle windows (first
    paints and switches only) and TEXTUAL_ANIMATIONS=full."""
    env = fresh_home(env, cwd)
    if animations:
        env["TEXTUAL_ANIMATIONS"] = "full"
    term = Pty([str(BASTION), "--profiles", str(profiles), "bench"], env, cols, rows, cwd)
    out = {pane: Measure() for pane in ("startup", *PANE_KEYS, "query result")}
    try:
        # Process start -> the workspace (Browse, sidebar loaded) has settled.
        first_paint(term, term.mark("start", term.started), out["startup"])
        expect(term, cols, rows, "Activity", "start-up")

        # Browse: filter the sidebar, open the first match.
        term.send(b"s")
        term.send(b"/")
        term.type_text(BROWSE_TABLE)
        term.settle(term.send(ENTER))  # the search result; focus back on the tree
        first_paint(term, term.mark("open table", term.send(ENTER)), out["browse"])
        expect(term, cols, rows, "(first page)", "Browse did not open shop.customers")
        if not animations:
            idle(term, seconds, cols, rows, out["browse"])

        # Query: built on first view; type a statement, run it with ctrl+j.
        first_paint(term, term.mark("query pane", term.send(PANE_KEYS["query"])), out["query"])
        term.type_text(QUERY)
        first_paint(term, term.mark("run", term.send(CTRL_J)), out["query result"])
        expect(term, cols, rows, "200 rows", "the query did not finish")
        if not animations:
            idle(term, seconds, cols, rows, out["query"])

        # Activity, then Migrations (esc leaves the editor first). Not `3` straight from
        # the Query results: that switch bounces back to Query with the editor focused
        # (Textual hands the focus of the hidden grid to #editor-tabs, whose pane then
        # shows again), and the next digit is typed into the SQL.
        term.send(ESC, pause=0.3)
        for pane in ("activity", "migrations"):
            first_paint(term, term.mark(f"{pane} pane", term.send(PANE_KEYS[pane])), out[pane])
            if pane == "activity":
                expect(term, cols, rows, "idle in tx", "Activity shows no workload")
            if not animations:
                idle(term, seconds, cols, rows, out[pane])
        expect(term, cols, rows, "alembic_version", "Migrations not shown")

        # Switching between built panes, the way round that works.
        for pane in ("browse", "query", "activity", "migrations"):
            if pane == "activity":
                term.send(ESC, pause=0.3)  # out of the editor
            shown = term.mark(f"switch to {pane}", term.send(PANE_KEYS[pane]))
            end = term.settle(shown, quiet=0.6) + 0.001
            out[pane].switch, out[pane].switch_frames = term.nbytes(shown, end), term.frames(shown, end)
    finally:
        code = term.close(CTRL_Q)
        if dump:
            term.dump(dump / f"bastion-{cols}x{rows}{'-animations' if animations else ''}")
    if code not in (0, None):
        print(f"  (bastion exited with {code})")
    return out


def run_reference(argv: list[str], env: dict[str, str], cwd: Path, cols: int, rows: int, seconds: float,
                  quit_keys: bytes, dump: Path | None) -> Measure:
    """A program started, let settle, then left alone for `seconds`."""
    term = Pty(argv, fresh_home(env, cwd), cols, rows, cwd)
    measure = Measure()
    try:
        first_paint(term, term.mark("start", term.started), measure)
        idle(term, seconds, cols, rows, measure)
    finally:
        term.close(quit_keys)
        if dump:
            term.dump(dump / f"{Path(argv[0]).name}-{cols}x{rows}")
    return measure


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def kb(n: float) -> str:
    return f"{n / 1000:.1f} KB" if n >= 100 else f"{n:.0f} B"


def print_table(rows: list[tuple[str, str, Measure, Measure | None]]) -> None:
    """Markdown, ready for docs/benchmarks.md; (n) = frames."""
    print("\n| what | size | first paint (frames) | idle: median 1-s bucket | idle: mean | idle: busiest second "
          "| switch to it (frames) | with TEXTUAL_ANIMATIONS=full: first paint | switch |")
    print("|---|---|---|---|---|---|---|---|---|")
    for what, size, m, anim in rows:
        cells = [what, size, f"{kb(m.first)} ({m.first_frames})" if m.first_frames else kb(m.first)]
        if m.idle_seconds:
            cells += [f"{kb(statistics.median(m.idle_buckets))}/s", f"{kb(m.rate)}/s", kb(max(m.idle_buckets))]
        else:
            cells += ["", "", ""]
        cells.append(f"{kb(m.switch)} ({m.switch_frames})" if m.switch is not None else "")
        cells.append(f"{kb(anim.first)} ({anim.first_frames})" if anim else "")
        cells.append(f"{kb(anim.switch)} ({anim.switch_frames})" if anim and anim.switch is not None else "")
        print("| " + " | ".join(cells) + " |")


def print_redrawn(pane: str, size: str, m: Measure, top: int) -> None:
    """The rows that took the bytes of an idle window, and whether their text changed."""
    use = m.use
    if use is None or not m.idle_total:
        print(f"\n{pane} {size}: nothing drawn while idle")
        return
    rewritten = sum(use.frames_per_row.values())
    changed = sum(use.changed_per_row.values())
    total = sum(use.bytes_per_row.values()) or 1
    print(f"\n{pane} {size}: {use.frames} frames in {m.idle_seconds:.0f} s, {kb(m.idle_total)}; "
          f"{rewritten} row rewrites, {changed} of them changed the row's text; "
          f"{100 * use.unchanged_bytes / total:.0f}% of the bytes rewrote rows that did not change; "
          f"colour/style codes {100 * use.style_bytes / total:.0f}%, text {100 * use.text_bytes / total:.0f}%")
    for row, nbytes in use.bytes_per_row.most_common(top):
        text = use.text.get(row, "").strip()
        print(f"  row {row + 1:>2}: {100 * nbytes / total:4.1f}% {kb(nbytes):>8}, rewritten in "
              f"{use.frames_per_row[row]:>2} frames, text changed in {use.changed_per_row[row]:>2}: {text[:70]!r}")


# ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each idle window (default 8)")
    parser.add_argument("--sizes", nargs="+", default=["80x24", "120x40"], help="terminal sizes, COLSxROWS")
    parser.add_argument("--truecolor", action="store_true", help="COLORTERM=truecolor (24-bit colour codes)")
    parser.add_argument("--no-animations-run", action="store_true", help="skip the TEXTUAL_ANIMATIONS=full run")
    parser.add_argument("--top", type=int, default=6, help="rows listed per idle window under 'what is redrawn'")
    parser.add_argument("--pg-activity-venv", type=Path, default=Path("/tmp/pgact-venv"))
    parser.add_argument("--demo-dir", type=Path,
                        help="keep the demo cluster here and reuse it on later runs (default: a temporary one)")
    parser.add_argument("--dump", type=Path, help="write each session's raw output and step marks to this directory")
    args = parser.parse_args()
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)
    sizes = [tuple(int(n) for n in size.lower().split("x")) for size in args.sizes]

    base = cluster_temp_dir("bastion-bench-bw-")
    os.chmod(base, 0o755)  # the demo server may run as another user and must reach its directory
    demo = DemoEnvironment(base_dir=args.demo_dir or base / "demo", progress=lambda _msg: None)
    try:
        started = time.monotonic()
        demo.start()
        info = demo.conninfo
        print(f"PostgreSQL {demo.server_version} demo ready in {time.monotonic() - started:.1f} s, "
              f"workload running; idle windows of {args.seconds:g} s")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color",
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
               "BASTION_DEMO_URL": f"postgresql+psycopg://{info['user']}@/{info['dbname']}"
                                   f"?host={info['host']}&port={info['port']}"}
        if args.truecolor:
            env["COLORTERM"] = "truecolor"
        profiles = base / "profiles.yaml"
        profiles.write_text(
            "profiles:\n  bench:\n"
            f"    host: {info['host']}\n    port: {info['port']}\n    database: {info['dbname']}\n"
            f"    user: {info['user']}\n    password: none\n"
            f"    migrations:\n      config: {demo.alembic_ini}\n"
        )

        pg_activity = args.pg_activity_venv / "bin" / "pg_activity"
        psql = shutil.which("psql") or str(find_server_bindir() / "psql")
        conn_args = ["-h", str(info["host"]), "-p", str(info["port"]), "-U", str(info["user"])]
        table: list[tuple[str, str, Measure, Measure | None]] = []
        redrawn: list[tuple[str, str, Measure]] = []
        for cols, rows in sizes:
            size = f"{cols}x{rows}"
            print(f"[{time.monotonic() - started:3.0f} s] {size}: bastion …", flush=True)
            ours = run_bastion(env, profiles, base, cols, rows, args.seconds, False, args.dump)
            anim = None
            if not args.no_animations_run:
                print(f"[{time.monotonic() - started:3.0f} s] {size}: bastion, TEXTUAL_ANIMATIONS=full …", flush=True)
                anim = run_bastion(env, profiles, base, cols, rows, args.seconds, True, args.dump)
            for pane, m in ours.items():
                table.append((f"bastion {pane}", size, m, anim[pane] if anim else None))
                if m.idle_seconds:
                    redrawn.append((pane, size, m))
            if pg_activity.exists():
                print(f"[{time.monotonic() - started:3.0f} s] {size}: pg_activity …", flush=True)
                theirs = run_reference([str(pg_activity), *conn_args, "-d", str(info["dbname"])], env, base,
                                       cols, rows, args.seconds, b"q", args.dump)
                table.append(("pg_activity 3.6, refresh 2 s", size, theirs, None))
                redrawn.append(("pg_activity", size, theirs))
        if Path(psql).exists():  # at its prompt it draws nothing, at any size: once is enough
            cols, rows = sizes[0]
            print(f"[{time.monotonic() - started:3.0f} s] {cols}x{rows}: psql …", flush=True)
            table.append(("psql at its prompt", f"{cols}x{rows}", run_reference(
                [psql, *conn_args, str(info["dbname"])], env, base, cols, rows, min(args.seconds, 3.0), b"\\q\r",
                args.dump), None))
        if not pg_activity.exists():
            print(f"\npg_activity: no venv at {args.pg_activity_venv} (pip install pg_activity there): not compared")
        print_table(table)
        print("\nWhat is redrawn while idle (rows by bytes; 'changed' = the row's text differs after the frame):")
        for pane, size, m in redrawn:
            print_redrawn(pane, size, m, args.top)
    finally:
        for term in list(Pty.live):
            term.close()
        demo.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the finally blocks have stopped bastion, the workload and the server
        sys.exit("interrupted")
