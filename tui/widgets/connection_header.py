"""The workspace's top line: who we are connected to, and how carefully to tread."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.db.base import ServerInfo
from tui.profiles import Profile


def header_text(profile: Profile, info: ServerInfo, transaction: str = "") -> Text:
    """label · user@host:port/db · server version · badges (no password, ever)."""
    text = Text()
    label_style = f"bold black on {profile.color}" if profile.color else "bold reverse"
    text.append(f" {profile.title} ", style=label_style)
    text.append("  ")
    text.append(profile.target())
    text.append("  ")
    text.append(info.product, style="dim")
    if info.in_recovery:
        text.append("  STANDBY", style="bold")
    if profile.tls_unverified:
        text.append("  TLS unverified", style="dim")  # sslmode below verify-ca on a remote host
    if info.read_only:  # only what the server enforces, never what was merely asked
        text.append("  ")
        text.append(" READ-ONLY ", style="bold black on yellow")
    elif profile.read_only:
        text.append("  ")
        text.append(" READ-ONLY NOT ENFORCED ", style="bold white on red")
    if info.pooler:
        text.append(f"  via {info.pooler}", style="bold")
        if info.pool_mode:  # "unknown" when its console would not say (admin_users / stats_users)
            text.append(f" · {info.pool_mode}" if info.pool_mode != "unknown" else " · pool mode unknown",
                        style="bold")
    if profile.production:
        text.append("  ")
        text.append(" PRODUCTION ", style="bold white on red")
    if transaction:  # the Query pane's open transaction: leaving asks about it
        text.append("  ")
        text.append(f" {transaction} ", style="bold white on red" if "FAILED" in transaction
                    else "bold black on yellow")
    return text


class ConnectionHeader(Static):
    """Shows the connection; red on production profiles (via the screen's class)."""

    def __init__(self, profile: Profile, info: ServerInfo) -> None:
        super().__init__(header_text(profile, info), id="connection-header")
        self.profile = profile
        self.info = info
        self.transaction = ""

    def show_info(self, info: ServerInfo) -> None:
        """New facts after a reconnect (a standby promoted, read-only changed, …)."""
        self.info = info
        self.update(header_text(self.profile, info, self.transaction))

    def show_transaction(self, transaction: str) -> None:
        """The Query pane's transaction in a word ("" while none is open)."""
        if transaction != self.transaction:
            self.transaction = transaction
            self.update(header_text(self.profile, self.info, transaction))
