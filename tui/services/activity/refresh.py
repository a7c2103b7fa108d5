"""When the Activity pane refreshes next: one tick at a time, the next one only
once the last has finished, at once when asked for, later after a lost connection."""

from __future__ import annotations

INTERVALS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
MAX_BACKOFF = 30.0


def step_interval(current: float, step: int) -> float:
    """The refresh interval `step` places faster (-1) or slower (+1) in INTERVALS."""
    index = min(range(len(INTERVALS)), key=lambda i: abs(INTERVALS[i] - current))
    return INTERVALS[max(0, min(len(INTERVALS) - 1, index + step))]


class RefreshLoop:
    """The decisions of the refresh loop, without its timer: whether a tick may start,
    how long until the next one, and what the banner says after a failure.

    A lost connection backs off (doubling the interval up to MAX_BACKOFF) until the
    workspace says the link is back; any other failure retries after the interval."""

    def __init__(self) -> None:
        self.ticking = False  # a tick is running: the next one waits for it
        self.wanted = False  # a refresh was asked for while a tick ran: follow it at once
        self.failures = 0  # connection losses in a row
        self.error = ""  # what the banner says about the last failure
        self.closed = False  # the pane is gone: start nothing more

    def start(self) -> bool:
        """Whether a tick may start now; if so it counts as running until it ends."""
        if self.closed or self.ticking:
            return False
        self.ticking = True
        return True

    def succeeded(self, interval: float) -> float:
        """A tick finished: the seconds until the next one."""
        self.ticking = False
        self.failures, self.error = 0, ""
        delay = 0.0 if self.wanted else interval
        self.wanted = False
        return delay

    def failed(self, reason: str, lost: bool, interval: float) -> float:
        """A tick failed with `reason` (`lost`: the connection went): the seconds until the next."""
        self.ticking = False
        if lost:
            self.failures += 1
            delay = min(MAX_BACKOFF, interval * 2 ** (self.failures - 1))
            self.error = f"Connection lost ({reason}); reconnecting in {delay:g} s…"
        else:
            delay = interval
            self.error = f"Refresh failed: {reason}"
        self.wanted = False
        return delay

    def refresh_now(self) -> bool:
        """A refresh is asked for: True when a tick may start at once, False when one
        is running (the next then follows it without waiting out the interval)."""
        if self.ticking:
            self.wanted = True
            return False
        return True

    def restored(self) -> bool:
        """The link is back: True when a tick waiting out its backoff should run now."""
        if self.failures and not self.ticking:
            self.failures = 0
            return True
        return False
