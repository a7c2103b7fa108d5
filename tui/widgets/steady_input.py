"""A text input whose cursor does not blink."""

from __future__ import annotations

from textual.reactive import reactive
from textual.widgets import Input


class SteadyInput(Input):
    """Input without cursor blinking: a blink is a redraw twice a second, which
    costs bandwidth over a slow SSH link (and makes screenshots flaky)."""

    cursor_blink = reactive(False, init=False)
