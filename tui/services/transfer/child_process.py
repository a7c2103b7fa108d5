"""Running one PostgreSQL client program: its stderr read line by line, cancel on
request, and nothing it says lost when it fails."""

from __future__ import annotations

import collections
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from tui.services.transfer import TransferCancelled, TransferError
from tui.services.transfer.child_env import ChildEnvironment

# "pg_dump: error: …", "psql:<stdin>:3: ERROR:  …", "FATAL:  …" (not a table named errors).
_ERROR_LINE = re.compile(r"\b(error|ERROR|fatal|FATAL|DETAIL|HINT):")
POLL_SECONDS = 0.1
STOP_SECONDS = 3.0


class ChildRun:
    """A started child: `lines()` yields its stderr lines; `finish()` waits and checks."""

    def __init__(self, argv: list[str], env: ChildEnvironment, cancel: threading.Event,
                 stdin: int | IO[bytes] | None = subprocess.DEVNULL) -> None:
        self.argv = argv
        self.cancel = cancel
        self.said: collections.deque[str] = collections.deque(maxlen=30)
        try:
            # umask 077: whatever the child creates (a directory dump's files) is the user's alone.
            self.process = subprocess.Popen(argv, env=env.variables, stdin=stdin, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, umask=0o077, start_new_session=True,
                                            pass_fds=env.pass_fds)
        except OSError as exc:
            raise TransferError(f"Cannot run {Path(argv[0]).name}: {exc.strerror or exc}") from None
        self._queue: collections.deque[str] = collections.deque()
        self._done = threading.Event()
        threading.Thread(target=self._read, daemon=True, name="bastion-transfer-stderr").start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        try:
            for raw in self.process.stderr:
                self._queue.append(raw.decode(errors="replace").rstrip())
        finally:
            self._done.set()

    def lines(self) -> Iterator[str | None]:
        """stderr lines as they come, and None every POLL_SECONDS of silence (a tick
        to measure progress by), until the child closes stderr; stops the child
        (and raises TransferCancelled) when `cancel` is set."""
        while True:
            while self._queue:
                line = self._queue.popleft()
                self.said.append(line)
                yield line
            if self.cancel.is_set():
                self.stop()
                raise TransferCancelled()
            if self._done.wait(POLL_SECONDS) and not self._queue:
                return
            yield None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def finish(self, what: str, keep: Callable[[str], bool] = lambda line: True) -> None:
        """Wait for the exit; a non-zero one is a TransferError with the child's own
        error lines (the ones `keep` lets through)."""
        code = self.process.wait()
        if self.cancel.is_set():
            raise TransferCancelled()
        if code != 0:
            errors = [line for line in self.said if _ERROR_LINE.search(line)]
            said = "\n".join((errors or [line for line in self.said if keep(line)])[-6:])
            raise TransferError(f"{what} failed (exit code {code}):\n{said}".rstrip())
