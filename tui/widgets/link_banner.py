"""The line under the header while the connection is lost: why, and when the next
attempt to reconnect is. It also watches the link (a heartbeat) and runs the attempts."""

from __future__ import annotations

import math
from time import monotonic
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import RenderResult
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import get_current_worker

from tui.db.base import ConnectFailure, Database, ServerInfo
from tui.formatting import clip, first_line
from tui.messages import ConnectionLost

# Words of a failure where nothing answered yet: the server (or, through a tunnel,
# the jump host) is down or starting; unlike a refused login, worth trying soon again.
_NOTHING_ANSWERED = ("the database system is", "open failed", "connect failed", "Connection refused",
                     "timed out", "No route to host", "Network is unreachable")


def server_answered(error: BaseException | None) -> bool:
    """Whether a failed reconnect reached a server that refused (then back off),
    rather than finding nothing listening yet (then try again soon)."""
    if not isinstance(error, ConnectFailure):
        return True
    if any(words in error.message for words in _NOTHING_ANSWERED):
        return False
    return error.kind not in ("unreachable", "timeout")


class LinkBanner(Widget):
    """Hidden while the link is fine. Once lost: "Connection lost: … Reconnecting in
    4 s (attempt 2) · f4 now", counting down each second, with backoff between attempts.

    Only this line redraws while waiting; nothing else in the workspace is rebuilt,
    and keys keep working.
    """

    # Often enough to notice a silent drop before the user's next action; each
    # beat is one `SELECT 1`, cheap even over a slow tunnel.
    heartbeat_seconds: ClassVar[float] = 10.0
    # Between attempts the server answered but refused (too many clients, a
    # password): no hammering.
    backoff_seconds: ClassVar[tuple[float, ...]] = (1, 2, 4, 8, 16, 30)  # then 30 s for ever
    # While nothing answers (refused, timed out, starting up) an attempt costs one
    # TCP handshake: keep trying this often, so the link is back within ~1 s of the server.
    retry_seconds: ClassVar[float] = 1.0
    HEARTBEAT_REASON = "the server stopped answering"

    class Reconnected(Message):
        """The main connection answers again (possibly a new backend: new info)."""

        def __init__(self, info: ServerInfo) -> None:
            super().__init__()
            self.info = info

    class Pinged(Message, bubble=False):
        """A heartbeat's answer: whether the link answered, or the error the ping raised."""

        def __init__(self, answered: bool | None, error: BaseException | None = None) -> None:
            super().__init__()
            self.answered = answered
            self.error = error

    class Attempted(Message, bubble=False):
        """A reconnect attempt ended: the server's info, or the error that stopped it."""

        def __init__(self, info: ServerInfo | None, error: BaseException | None = None) -> None:
            super().__init__()
            self.info = info
            self.error = error

    def __init__(self, database: Database, reconnect_key: str = "f4") -> None:
        super().__init__(id="link-banner")
        self.database = database
        self.reconnect_key = reconnect_key
        self.reason: str | None = None  # None while the link is fine
        self.attempt = 0  # the number of the next attempt
        self.attempting = False
        self._next_attempt_at = 0.0
        self._attempt_timer: Timer | None = None
        self._countdown: Timer | None = None
        self._pinging = False
        self._suspended = False
        self._server_answered = False  # did the last failed attempt reach a server?
        self.display = False  # takes no space until the link is lost

    @property
    def lost(self) -> bool:
        return self.reason is not None

    def on_mount(self) -> None:
        self.set_interval(self.heartbeat_seconds, self._beat)
        self.app.app_suspend_signal.subscribe(self, lambda _app: setattr(self, "_suspended", True))
        self.app.app_resume_signal.subscribe(self, lambda _app: setattr(self, "_suspended", False))
        self.database.watch_tunnel(self._tunnel_dropped_elsewhere)

    def on_unmount(self) -> None:
        self.database.watch_tunnel(None)

    # -- noticing ------------------------------------------------------------------
    def _beat(self) -> None:
        # Not while lost (the attempts take over), suspended, or a ping still waits
        # for its answer (a hung link: TCP keepalives end it).
        if self.lost or self.attempting or self._suspended or self._pinging or not self.is_attached:
            return
        self._pinging = True
        self._ping()

    @work(thread=True, group="link-ping", exit_on_error=False)
    def _ping(self) -> None:
        try:
            answered = self.database.ping()
        except Exception as exc:  # noqa: BLE001 - whatever it is, the link is in doubt
            self.post_message(self.Pinged(None, exc))
        else:
            self.post_message(self.Pinged(answered))

    def on_link_banner_pinged(self, event: Pinged) -> None:
        self._pinging = False
        if event.error is not None:
            self.post_message(ConnectionLost(first_line(event.error)))
        elif event.answered is False:
            self.post_message(ConnectionLost(self.HEARTBEAT_REASON))

    def connection_lost(self, reason: str) -> None:
        """Show the banner and start the countdown (no-op if already lost)."""
        if self.lost:
            return
        self.reason = first_line(reason) or self.HEARTBEAT_REASON
        self.attempt = 1
        self._server_answered = False
        self.display = True
        self._wait()

    def _tunnel_dropped_elsewhere(self, reason: str) -> None:
        # ssh's reader thread: hand over to the UI thread.
        try:
            self.app.call_from_thread(self.tunnel_dropped, reason)
        except RuntimeError:
            pass  # the app is closing: nothing to show

    def tunnel_dropped(self, reason: str) -> None:
        """Our ssh process died: say so (rather than blaming the server, whatever a
        pane saw first) and reconnect through a new tunnel at once."""
        self.reason = first_line(reason)
        self.attempt = max(1, self.attempt)
        self.display = True
        self.screen.refresh_bindings()  # the footer shows the reconnect key
        if not self.attempting:
            self._attempt()

    def reconnect_now(self) -> None:
        """Attempt at once (the key on the banner, or the palette's Reconnect)."""
        if self.attempting:
            return
        self._attempt(fresh=not self.lost)

    # -- reconnecting ----------------------------------------------------------------
    def _delay(self) -> float:
        schedule = self.backoff_seconds
        delay = schedule[min(self.attempt, len(schedule)) - 1]
        return delay if self._server_answered else min(delay, self.retry_seconds)

    def _wait(self) -> None:
        delay = self._delay()
        self._next_attempt_at = monotonic() + delay
        self._stop_timers()
        self._attempt_timer = self.set_timer(delay, self._attempt)
        # Only this one-line widget redraws each second.
        self._countdown = self.set_interval(1, self._redraw)
        self.refresh()

    def _redraw(self) -> None:
        self.refresh()

    def _stop_timers(self) -> None:
        for timer in (self._attempt_timer, self._countdown):
            if timer is not None:
                timer.stop()
        self._attempt_timer = self._countdown = None

    def _attempt(self, fresh: bool = False) -> None:
        self._stop_timers()
        self.attempting = True
        self.refresh()
        self._reconnect(fresh)

    @work(thread=True, group="link-reconnect", exclusive=True, exit_on_error=False)
    def _reconnect(self, fresh: bool) -> None:
        database = self.database
        try:
            # A pane may have lost only its own connection: if the main one answers,
            # there is nothing to replace (the pane reopens its own on next use).
            if fresh or not database.ping():
                database.reconnect()
            info = database.info
        except Exception as exc:  # noqa: BLE001 - shown on the banner, whatever it is
            attempted = self.Attempted(None, exc)
        else:
            attempted = self.Attempted(info)
        if not get_current_worker().is_cancelled:  # a newer attempt took over
            self.post_message(attempted)

    def on_link_banner_attempted(self, event: Attempted) -> None:
        self.attempting = False
        if event.error is None:
            self.reason, self.attempt = None, 0
            self.display = False
            self.post_message(self.Reconnected(event.info))
            return
        error = event.error
        message = error.message if isinstance(error, ConnectFailure) else first_line(error)
        self._server_answered = server_answered(error)
        if not self.lost:  # a reconnect asked for on a fine link failed: lost now
            self.post_message(ConnectionLost(message))
            return
        self.reason = first_line(message) or self.reason
        self.attempt = max(1, self.attempt) + 1
        self.display = True
        self._wait()

    # -- drawing --------------------------------------------------------------------
    def countdown_text(self, short: bool = False) -> str:
        """What follows the reason: when the next attempt is, and the key to skip the wait."""
        if self.attempting:
            return f"Reconnecting now (attempt {max(1, self.attempt)})…"
        seconds = max(1, math.ceil(round(self._next_attempt_at - monotonic(), 1)))
        if short:
            return f"Retry in {seconds} s · {self.reconnect_key} now"
        return f"Reconnecting in {seconds} s (attempt {self.attempt}) · {self.reconnect_key} now"

    def render(self) -> RenderResult:
        if not self.lost:
            return ""
        head, reason = " Connection lost: ", self.reason or ""
        tail = f". {self.countdown_text()}"
        width = (self.size.width or 120) - 1  # 0 before the first layout
        if len(head) + len(reason) + len(tail) > width:
            tail = f". {self.countdown_text(short=True)}"  # narrow: more room for the reason
        # Shorten the reason, never the countdown: that is what the user waits for.
        room = max(8, width - len(head) - len(tail))
        reason = clip(reason, room)
        return Text.assemble((head, "bold"), reason, tail)
