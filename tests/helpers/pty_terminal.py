"""The real `bastion` on a pseudo-terminal, as ssh runs it: fixed size,
TERM=xterm-256color, the pty as controlling terminal, input written in bursts
(one os.write each) and the output drained by a thread (a terminal that is not
read would block the app)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
WIDTH, HEIGHT = 120, 40


def _take_terminal() -> None:
    # In the child: a session of its own whose controlling terminal is the pty,
    # so closing the master side sends it SIGHUP, as sshd's does.
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyBastion:
    """`python -m tui ARGS` on a pty; `write` sends one burst, `wait_for` reads the screen text."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", HEIGHT, WIDTH, 0, 0))
        environ = dict(env if env is not None else os.environ)
        environ.update(TERM="xterm-256color", COLUMNS=str(WIDTH), LINES=str(HEIGHT))
        environ.pop("TEXTUAL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", *args], stdin=slave, stdout=slave, stderr=slave,
            env=environ, cwd=cwd, preexec_fn=_take_terminal, close_fds=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._stop_reading = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def stop_reading(self) -> None:
        """Stop draining the output, as a stalled SSH link does: the app's writes
        soon block on the full pty."""
        self._stop_reading.set()
        self._reader.join()

    def _read(self) -> None:
        # select with a timeout: a read blocked in os.read would keep the master open
        # after close(), and the app would never see the hang-up.
        while not self._stop_reading.is_set():
            try:
                if not select.select([self.master], [], [], 0.05)[0]:
                    continue
                data = os.read(self.master, 65536)
            except (OSError, ValueError):
                return
            if not data:
                return
            with self._lock:
                self._output += data

    @property
    def text(self) -> str:
        """Everything written so far, escape sequences removed."""
        with self._lock:
            raw = bytes(self._output)
        return ANSI.sub("", raw.decode("utf-8", "replace"))

    def mark(self) -> int:
        """A position in the output; `wait_for(..., since=mark)` looks only after it."""
        with self._lock:
            return len(self._output)

    def wait_for(self, needle: str, timeout: float = 20.0, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                raw = bytes(self._output[since:])
            if needle in ANSI.sub("", raw.decode("utf-8", "replace")):
                return
            if self.process.poll() is not None:
                raise AssertionError(f"bastion exited ({self.process.returncode}) before showing {needle!r}:\n"
                                     f"{self.text[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"{needle!r} not shown within {timeout} s:\n{self.text[-3000:]}")

    def write(self, data: bytes) -> None:
        """One burst: a single write, as ssh delivers a packet."""
        os.write(self.master, data)

    def quit(self, timeout: float = 15.0) -> int:
        """ctrl+q, then the exit status."""
        self.write(b"\x11")
        return self.wait(timeout)

    def wait(self, timeout: float = 15.0) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"bastion did not exit within {timeout} s:\n{self.text[-3000:]}") from None

    def hang_up(self) -> None:
        """What sshd does when the session goes: close the master side."""
        if self.master >= 0:
            self._stop_reading.set()
            self._reader.join()
            os.close(self.master)
            self.master = -1

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(5)

    def close(self) -> None:
        self.kill()
        self.hang_up()
