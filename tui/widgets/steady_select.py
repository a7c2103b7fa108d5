"""A Select that survives being dismissed while it mounts."""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.widgets import Select


class SteadySelect(Select[Any]):
    """Textual's Select sets its first value on Mount by writing into its label; a
    form dismissed by a key storm between compose and that Mount has no label left
    (NoMatches, random keys seed 3). Then there is nothing to show: do nothing."""

    def _init_selected_option(self, hint: Any = Select.NULL) -> None:
        try:
            super()._init_selected_option(hint)
        except NoMatches:
            return
