"""The Browse tab: data grid, value viewer, structure and stats of one relation."""

from tui.widgets.browse.pane import BrowsePane

__all__ = ["BrowsePane"]
