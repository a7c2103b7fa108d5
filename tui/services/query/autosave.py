"""The editor's text, saved per profile so nothing typed is lost on a crash,
a dropped connection or quit. Password literals are masked in the file (the
editor keeps the text as typed): see `tui.secrets.redact_sql`."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path

from tui.paths import atomic_write, data_dir
from tui.secrets import redact_sql

SAVE_DELAY = 1.0  # seconds after the last keystroke


class EditorAutosave:
    """Debounced writes (mode 0600, atomic) of the buffer to the data dir."""

    def __init__(self, profile_name: str, folder: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_name) or "profile"
        self.path = (folder or data_dir() / "editor") / f"{safe}.sql"
        self._timer: threading.Timer | None = None
        self._pending: str | None = None
        self._lock = threading.Lock()
        # Called (from the saving thread) after a save that masked a password.
        self.on_redacted: Callable[[], None] | None = None

    def load(self) -> str:
        """The saved text; a file from an older version holding a password is
        rewritten masked at once (the text returned is as it was)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return ""
        if redact_sql(text) != text:
            self.save_now(text)
        return text

    def changed(self, text: str) -> None:
        with self._lock:
            self._pending = text
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(SAVE_DELAY, self._flush)
            self._timer.daemon = True
            self._timer.start()

    def save_now(self, text: str) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._pending = text
        self._flush()

    def _flush(self) -> None:
        with self._lock:
            text, self._pending = self._pending, None
        if text is None:
            return
        on_disk = redact_sql(text)
        try:
            atomic_write(self.path, on_disk, backup=False)
        except OSError:
            return  # a read-only data dir must not break typing
        if on_disk != text and self.on_redacted is not None:
            self.on_redacted()


def buffer_autosaves(profile_name: str, folder: Path | None = None) -> list[EditorAutosave]:
    """The saved editor tabs of a profile (`name.sql`, `name.2.sql`, …), at least one."""
    first = EditorAutosave(profile_name, folder)
    found = [first]
    number = 2
    while (candidate := EditorAutosave(f"{profile_name}.{number}", folder)).path.exists():
        found.append(candidate)
        number += 1
    return found


def discard(autosave: EditorAutosave) -> None:
    """Forget a closed tab's file (a save still pending is dropped first). Blocking."""
    with autosave._lock:
        if autosave._timer is not None:
            autosave._timer.cancel()
        autosave._pending = None
    try:
        autosave.path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only data dir: the tab comes back next time


def move_autosaves(old_name: str, new_name: str, folder: Path | None = None) -> None:
    """A renamed profile keeps its editor tabs: move its files to the new name,
    after any tabs a former profile of that name left behind."""
    sources = [saved for saved in buffer_autosaves(old_name, folder) if saved.path.exists()]
    number = 0
    for source in sources:
        while True:
            number += 1
            target = EditorAutosave(new_name if number == 1 else f"{new_name}.{number}", folder)
            if not target.path.exists():
                break
        try:
            source.path.replace(target.path)
        except OSError:
            pass  # a read-only data dir: the tab stays under the old name
