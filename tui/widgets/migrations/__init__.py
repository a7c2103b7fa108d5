"""The Migrations pane and its dialogs."""

from tui.widgets.migrations.pane import MigrationsPane

__all__ = ["MigrationsPane"]
