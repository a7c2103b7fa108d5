"""Every statement run, per profile, in the data dir: searchable, re-runnable,
with passwords redacted before anything is written."""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tui.paths import data_dir
from tui.secrets import redact_sql

MAX_ENTRIES_READ = 5000


def redact_statement(sql: str) -> str:
    """The statement as written to history: passwords masked (see `tui.secrets.redact_sql`)."""
    return redact_sql(sql)


@dataclass(frozen=True)
class HistoryEntry:
    """One statement run."""

    at: float  # unix time
    sql: str
    duration: float
    rows: int
    ok: bool
    error: str | None = None
    closed_tab: bool = False  # not run: the text of an editor tab that was closed


class HistoryStore:
    """A JSON-lines file per profile (mode 0600); reading tolerates damaged lines."""

    def __init__(self, profile_name: str, folder: Path | None = None) -> None:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_name) or "profile"
        self.path = (folder or data_dir() / "history") / f"{safe}.jsonl"
        self._redacted = False

    def add(self, sql: str, duration: float, rows: int, ok: bool, error: str | None = None) -> HistoryEntry:
        """Append a statement, its password literals masked (never written in clear)."""
        entry = HistoryEntry(time.time(), redact_statement(sql), round(duration, 4), rows, ok,
                             redact_statement(error) if error else None)
        self._redacted = self._redacted or entry.sql != sql
        self._append(entry)
        return entry

    def _append(self, entry: HistoryEntry) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
        except OSError:
            pass  # history is a convenience: a read-only data dir must not stop a query

    def add_closed_tab(self, text: str) -> HistoryEntry:
        """Keep a closed editor tab's text (never run) where ctrl+r finds it."""
        entry = HistoryEntry(time.time(), redact_statement(text), 0.0, 0, True, closed_tab=True)
        self._append(entry)
        return entry

    def take_redacted(self) -> bool:
        """Whether a statement was masked since the last call (for the status line)."""
        redacted, self._redacted = self._redacted, False
        return redacted

    def entries(self, search: str = "") -> list[HistoryEntry]:
        """Newest first, filtered by a case-insensitive substring."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()[-MAX_ENTRIES_READ:]
        except (OSError, UnicodeDecodeError):
            return []
        found = []
        needle = search.lower()
        for line in reversed(lines):
            try:
                entry = HistoryEntry(**json.loads(line))
            except (ValueError, TypeError):
                continue
            if needle in entry.sql.lower():
                found.append(entry)
        return found


def move_history(old_name: str, new_name: str, folder: Path | None = None) -> None:
    """A renamed profile keeps its history: the old file becomes (or is appended
    to) the new name's."""
    source, target = HistoryStore(old_name, folder).path, HistoryStore(new_name, folder).path
    if not source.exists() or source == target:
        return
    try:
        if target.exists():
            with target.open("a", encoding="utf-8") as handle:
                handle.write(source.read_text(encoding="utf-8"))
            source.unlink()
        else:
            source.replace(target)
    except (OSError, UnicodeDecodeError):
        pass  # history is a convenience: it stays under the old name
