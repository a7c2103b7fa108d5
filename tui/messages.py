"""Messages that several parts of the app post, so that no widget imports the
screen or app that handles them (messages up, calls down)."""

from __future__ import annotations

from textual.message import Message

from tui.formatting import first_line
from tui.profiles import Profile


class ConnectionLost(Message):
    """Posted by any pane that saw its connection drop, so the banner shows at once
    instead of at the next heartbeat."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = first_line(reason) or "the connection was closed"


class ConnectRequested(Message):
    """Open a workspace on this profile (posted by the picker and the fleet screen;
    the app handles it)."""

    def __init__(self, profile: Profile) -> None:
        super().__init__()
        self.profile = profile


class RecoveryChanged(Message):
    """A pane read pg_is_in_recovery() and it differs from what it read before (or
    this is its first read): e.g. a standby promoted while the workspace is open.
    The workspace brings the header's facts up to date."""

    def __init__(self, in_recovery: bool) -> None:
        super().__init__()
        self.in_recovery = in_recovery
