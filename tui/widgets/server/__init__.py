"""The server pane: replication and settings."""

from tui.widgets.server.pane import ServerPane

__all__ = ["ServerPane"]
