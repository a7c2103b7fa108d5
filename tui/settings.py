"""User preferences that persist between runs: the theme, and an optional keymap.

    theme: bastion-light
    keymap:            # binding id: keys (see the help screen, F1, for what they do)
      app.help: f1,h
      query.run_current: ctrl+j,f5
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tui.paths import atomic_write, config_dir

# One key as Textual names it: a character, or a name with modifiers ("ctrl+shift+f5").
_KEY = re.compile(r"^(?:[^\s,]|(?:[a-z]+\+)*[A-Za-z0-9_]+)$")


def keymap_entry_problem(binding_id: Any, keys: Any) -> str | None:
    """Why a `keymap:` entry cannot be used, or None if it can."""
    if not isinstance(binding_id, str) or not binding_id:
        return f"{binding_id!r} is not a binding id (text like 'app.help')"
    parts = [part.strip() for part in keys.split(",")] if isinstance(keys, str) else None
    if not parts or not all(_KEY.match(part) for part in parts):
        return f"'{binding_id}': expected keys like 'f1' or 'ctrl+j,f5', got {keys!r}"
    return None


@dataclass
class Settings:
    """`$XDG_CONFIG_HOME/bastion/settings.yaml`; unreadable files mean defaults.

    `keymap` holds the usable entries of the file's `keymap:` (binding id → keys),
    `problems` says why each other entry is ignored. Saving keeps what the file
    had besides the theme (the keymap as written, bad entries included).
    """

    theme: str | None = None
    path: Path | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_dir() / "settings.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            data = {}
        if not isinstance(data, dict):
            data = {}
        theme = data.get("theme")
        keymap, problems = read_keymap(data.get("keymap"), path)
        return cls(theme=theme if isinstance(theme, str) else None, path=path, keymap=keymap,
                   problems=problems, document=data)

    def save(self) -> None:
        if self.path is None:
            return
        document = {"theme": self.theme, **{k: v for k, v in self.document.items() if k != "theme"}}
        try:
            atomic_write(self.path, yaml.safe_dump(document, sort_keys=False))
        except OSError:
            pass  # a read-only config dir must not break the app: the choice lasts this run


def read_keymap(raw: Any, path: Path) -> tuple[dict[str, str], list[str]]:
    """The usable entries of a `keymap:` mapping, and a message for each one ignored."""
    if raw is None:
        return {}, []
    if not isinstance(raw, dict):
        return {}, [f"{path}: keymap: expected a mapping of binding id: keys; ignored"]
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in raw.items():
        if isinstance(keys, list) and all(isinstance(key, str) for key in keys):
            keys = ",".join(keys)
        problem = keymap_entry_problem(binding_id, keys)
        if problem is None:
            keymap[binding_id] = ",".join(part.strip() for part in keys.split(","))
        else:
            problems.append(f"{path}: keymap: {problem}; ignored")
    return keymap, problems
