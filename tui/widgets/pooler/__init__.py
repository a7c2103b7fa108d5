"""The pooler pane: PgBouncer's admin console."""

from tui.widgets.pooler.pane import PoolerPane

__all__ = ["PoolerPane"]
