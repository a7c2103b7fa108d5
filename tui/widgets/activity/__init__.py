"""The Activity tab."""

from tui.widgets.activity.pane import ActivityPane

__all__ = ["ActivityPane"]
