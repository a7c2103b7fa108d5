"""Writes to the profiles file off the UI thread: a save parses and rewrites the
whole file (a quarter of a second with a hundred profiles), and a screen must not
freeze for it. Each write says how it went; what follows it runs on the UI thread."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.message import Message
from textual.widget import Widget

from tui.profiles import ProfileFileError


class ProfileWriter(Widget):
    """Mounted (invisible) by a screen that saves profiles."""

    DEFAULT_CSS = "ProfileWriter { display: none; }"

    class Written(Message):
        def __init__(self, error: str | None, then: Callable[[], None] | None) -> None:
            super().__init__()
            self.error, self.then = error, then

    @work(thread=True, group="profiles-file", exit_on_error=False)
    def write(self, change: Callable[[], None], failed: str, then: Callable[[], None] | None = None) -> None:
        """Run `change` (a ProfileStore call, which writes one at a time); on success
        call `then`, else notify "`failed`: the reason"."""
        try:
            change()
        except (OSError, KeyError, ProfileFileError) as exc:
            reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
            self.post_message(self.Written(f"{failed}: {reason}", None))
            return
        self.post_message(self.Written(None, then))

    def on_profile_writer_written(self, message: Written) -> None:
        message.stop()
        if message.error is not None:
            self.app.notify(message.error, severity="error", timeout=8)
        elif message.then is not None:
            message.then()
