"""Leaving cleanly when the terminal goes away (SIGHUP: the SSH session closed) or
on SIGTERM: ssh tunnels stop at once, then the app is asked to exit.

An open transaction in the Query pane is not asked about here (nobody is left to
answer): the connection closes and the server rolls it back.

The default action of SIGHUP kills Python without running `finally` blocks or
atexit handlers, which would leave ssh tunnels behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from tui.db.tunnel import stop_all

EXIT_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
GRACE_SECONDS = 5.0  # an exit that hangs (a terminal that is gone) is cut short after this


@contextlib.contextmanager
def exit_on_hangup(request_exit: Callable[[int], None]) -> Iterator[None]:
    """While inside, SIGHUP/SIGTERM stop the tunnels and call `request_exit(code)`
    (code 128 + signal number). A handler installed before us (the demo's, which
    stops its server) runs too. Signals ignored on entry (nohup) stay ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous: dict[int, object] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop_all()
        code = 128 + signum
        _exit_if_still_running_after(GRACE_SECONDS, code)
        request_exit(code)
        chained = previous.get(signum)
        if callable(chained):
            chained(signum, frame)

    for signum in EXIT_SIGNALS:
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN:
            continue
        previous[signum] = handler
        signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            if signal.getsignal(signum) is on_signal:
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)  # type: ignore[arg-type]


def leave_at_once_after_signal(code: int) -> int:
    """`code`, unless the app ended on SIGHUP/SIGTERM (128 + signal): then, our own
    cleanup being done (tunnels, the demo's server, autosaves), end the process at
    once. Python's finalisation would take another ~0.6 s, and may wait for worker
    threads stuck on a server or a terminal that is gone."""
    if code < 128:
        return code
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _exit_if_still_running_after(seconds: float, code: int) -> None:
    # Textual may block writing to a terminal that no longer exists; the tunnels
    # are already stopped, so leaving hard is safe (the server sees the sockets close).
    timer = threading.Timer(seconds, os._exit, args=(code,))
    timer.daemon = True
    timer.start()
