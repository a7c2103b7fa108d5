"""Sending one key to an app the way a terminal does."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.app import App


def send_key(app: App, key: str) -> None:
    """Deliver a key through the driver as a terminal would, without the pilot's
    idle waits (~60 ms a key), so thousands of keys take seconds, not minutes."""
    name = {" ": "space", "/": "slash", "?": "question_mark", "-": "minus", "_": "underscore",
            ".": "full_stop", ":": "colon", ";": "semicolon", "'": "apostrophe", '"': "quotation_mark",
            "[": "left_square_bracket", "]": "right_square_bracket"}.get(key, key)
    char: str | None = key if len(key) == 1 else None
    if name in ("enter", "tab", "escape", "backspace"):
        char = {"enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f"}[name]
    elif name.startswith("ctrl+") and len(name) == 6:
        char = chr(ord(name[-1]) - ord("a") + 1)
    elif char is None and len(name) > 1 and "+" not in name and not name.startswith("f"):
        try:
            char = unicodedata.lookup(name.upper().replace("_", " "))
        except KeyError:
            char = None
    event = events.Key(name, char)
    event.set_sender(app)
    app._driver.send_message(event)  # type: ignore[union-attr]
