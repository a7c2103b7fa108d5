"""Manual commit or autocommit, remembered per profile beside the editor's other
state in the data dir (a UI choice, not part of the profile: profiles.yaml stays
what the user wrote). Production profiles start in manual commit."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from tui.paths import atomic_write, data_dir

MANUAL, AUTOCOMMIT = "manual", "autocommit"
_lock = threading.Lock()  # two panes saving at once must not lose each other's choice


def modes_file() -> Path:
    return data_dir() / "query" / "commit-mode.json"


def _load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: the defaults
    return {k: v for k, v in data.items() if v in (MANUAL, AUTOCOMMIT)} if isinstance(data, dict) else {}


def manual_commit(profile_name: str, production: bool) -> bool:
    """The remembered mode of the profile's Query pane; the default is manual on production."""
    mode = _load(modes_file()).get(profile_name)
    return production if mode is None else mode == MANUAL


def remember_manual_commit(profile_name: str, manual: bool) -> None:
    """Save the choice (blocking: a small file, atomic, mode 0600)."""
    with _lock:
        path = modes_file()
        modes = _load(path)
        modes[profile_name] = MANUAL if manual else AUTOCOMMIT
        atomic_write(path, json.dumps(modes, indent=1, sort_keys=True) + "\n", backup=False)
