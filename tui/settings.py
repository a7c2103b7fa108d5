"""User preferences that persist between runs (the theme, for now)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from tui.paths import atomic_write, config_dir


@dataclass
class Settings:
    """`$XDG_CONFIG_HOME/bastion/settings.yaml`; unreadable files mean defaults."""

    theme: str | None = None
    path: Path | None = None

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        path = path or config_dir() / "settings.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            data = {}
        theme = data.get("theme") if isinstance(data, dict) else None
        return cls(theme=theme if isinstance(theme, str) else None, path=path)

    def save(self) -> None:
        if self.path is None:
            return
        try:
            atomic_write(self.path, yaml.safe_dump({"theme": self.theme}, sort_keys=False))
        except OSError:
            pass  # a read-only config dir must not break the app: the choice lasts this run
