"""The hardened command palette: keys that arrive before it is ready do nothing."""

from __future__ import annotations

from tui.widgets.command_palette import SafeCommandPalette


def test_down_before_the_palette_is_mounted_does_nothing() -> None:
    palette = SafeCommandPalette()  # not mounted: no CommandList yet
    palette._action_cursor_down()  # was NoMatches (random keys, seed 1)
    palette._action_command_list("page_down")
