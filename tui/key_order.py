"""Keys applied in the order they were typed, one at a time.

Textual hands a key to the focused widget's queue and, if the widget does not use
it, lets it bubble up parent by parent (one queue hop each) to the App, where
ordinary bindings (backspace in an editor, ctrl+a/ctrl+k in an input, `/` in the
sidebar) run. Meanwhile the next keys of the same burst go straight to the
widget: in "abc⌫def" the ⌫ applied after "def". And a binding that moves focus
only takes effect after keys already sent to the old widget.

`KeyQueue` gives the next key (or paste) to the app only when the previous one
is finished: stopped by a widget, or handled by the App's bindings and whatever
they queued (a focus change). Plain text typed into an editor while keys wait
goes in as one paste, so a burst or an unbracketed paste costs one edit per
read, not one per character.
"""

from __future__ import annotations

import re
from collections import deque
from typing import TYPE_CHECKING

from textual import events
from textual.keys import _character_to_key, _get_unicode_name_from_key
from textual.message import Message
from textual.widgets import TextArea

if TYPE_CHECKING:
    from textual.app import App
    from textual.message_pump import MessagePump

STUCK_CHECK_SECONDS = 0.5


class TypedText(events.Event, bubble=False):
    """Plain characters (and Enter, as "\\r") read from the terminal in one go."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def key_for(character: str) -> events.Key:
    """The Key event the terminal parser makes for one plain character."""
    if character == "\r":
        return events.Key("enter", "\r")
    return events.Key(_character_to_key(character), character)


def character_of(key: str) -> str | None:
    """The character a single-character key name stands for ("question_mark" → "?")."""
    if len(key) == 1:
        return key
    import unicodedata

    try:
        return unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        return None


Waiting = events.Key | events.Paste | str


class KeyQueue:
    """Hands keys and pastes to the app one at a time (see the module docstring).

    The App calls `admit` for each key or paste from the terminal, `handled` once
    it has run its priority bindings and forwarded it, and `back_at_app` when a
    forwarded one bubbled back up to it.
    """

    def __init__(self, app: App[object]) -> None:
        self.app = app
        self.waiting: deque[Waiting] = deque()
        self.current: Message | None = None
        self._arrived = False  # the current key bubbled back to the App
        self._at: MessagePump | None = None  # where the current key is being handled
        self._stuck_timer: object | None = None

    # -- called by the App ---------------------------------------------------------
    def add_text(self, text: str) -> None:
        """Characters from the terminal, typed in a burst."""
        self.waiting.append(text)
        if self.current is None:
            self._next()

    def admit(self, event: events.Key | events.Paste) -> bool:
        """True if `event` may be handled now; otherwise it waits its turn."""
        if event is self.current:
            return True
        if self.current is None and not self.waiting:
            self._start(event)
            return True
        self.waiting.append(event)
        return False

    def handled(self, event: Message) -> None:
        """The App ran its priority bindings; follow the event if it was forwarded."""
        if event is not self.current:
            return
        if not event.is_forwarded:
            self._release_soon(event)  # a priority binding used it
            return
        self._follow(event, self.app.focused or self.app.screen)

    def back_at_app(self, event: Message) -> None:
        """A forwarded event came back up and the App's own bindings ran."""
        if event is self.current:
            self._arrived = True
            self._release_soon(event)  # after whatever those bindings queued

    # -- following one event up the DOM ----------------------------------------------
    def _start(self, event: Message) -> None:
        self.current, self._arrived, self._at = event, False, None
        if self._stuck_timer is None:
            self._stuck_timer = self.app.set_interval(STUCK_CHECK_SECONDS, self._check_stuck)

    def _follow(self, event: Message, node: MessagePump) -> None:
        self._at = node
        # A callback queued behind the event runs once `node` has handled it.
        if not node.call_later(self._left, event, node):
            self._release_soon(event)  # node is closing: the event dies with it

    def _left(self, event: Message, node: MessagePump) -> None:
        if event is not self.current:
            return
        parent = node._parent
        if parent is self.app:
            self.app.call_later(self._release_unless_arrived, event)
        elif parent is None or event._stop_propagation or not event.bubble:
            self._release_soon(event)
        else:
            self._follow(event, parent)  # it bubbled on to the parent's queue

    def _release_unless_arrived(self, event: Message) -> None:
        if event is self.current and not self._arrived:
            self._release(event)  # the screen did not pass it up (closing)

    def _release_soon(self, event: Message) -> None:
        self.app.call_later(self._release, event)

    def _release(self, event: Message) -> None:
        if event is self.current:
            self.current = None
            self._next()

    def _check_stuck(self) -> None:
        node = self._at
        if self.current is not None and node is not None and (node._closing or node._closed):
            self._release(self.current)

    # -- the next event ------------------------------------------------------------------
    def _next(self) -> None:
        if not self.waiting:
            return
        event = self._paste_into_editor() if isinstance(self.waiting[0], str) else None
        if event is None:
            item = self.waiting.popleft()
            if isinstance(item, str):
                event = key_for(item[0])
                if len(item) > 1:
                    self.waiting.appendleft(item[1:])
            else:
                event = item
        self._start(event)
        self.app.post_message(event)

    def _paste_into_editor(self) -> events.Paste | None:
        """The text waiting at the head of the queue, as one paste into an editable
        TextArea, up to the first character a priority binding wants."""
        editor = self.app.focused
        if not isinstance(editor, TextArea) or editor.read_only:
            return None
        parts: list[str] = []
        while self.waiting and isinstance(self.waiting[0], str):
            parts.append(self.waiting.popleft())  # type: ignore[arg-type]
        text = "".join(parts)
        cut = self._first_bound_character(text)
        if cut is not None:
            text, rest = text[:cut], text[cut:]
            self.waiting.appendleft(rest)
        return events.Paste(text.replace("\r", "\n")) if text else None

    def _first_bound_character(self, text: str) -> int | None:
        """Where in `text` a character is that an enabled priority binding takes."""
        characters = set()
        for key, active in self.app.screen.active_bindings.items():
            if active.binding.priority and active.enabled:
                character = "\r" if key == "enter" else character_of(key)
                if character:
                    characters.add(character)
        if not characters:
            return None
        match = re.search("[" + re.escape("".join(sorted(characters))) + "]", text)
        return match.start() if match else None
