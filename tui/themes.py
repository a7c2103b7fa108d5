"""Themes as data: `themes/*.yaml` bundled with bastion plus the user's own."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from textual.theme import Theme

from tui.paths import config_dir

DEFAULT_THEME = "bastion-dark"
ANSI_THEME = "bastion-ansi16"
_THEME_KEYS = {
    "name", "primary", "secondary", "warning", "error", "success", "accent", "foreground",
    "background", "surface", "panel", "boost", "dark", "luminosity_spread", "text_alpha",
    "variables", "ansi",
}


@dataclass
class ThemeSet:
    """The themes found, and a warning for every file that could not be used."""

    themes: list[Theme] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def bundled_theme_files() -> list[Path]:
    """The YAML files shipped in `themes/` (a source checkout or the installed copy)."""
    checkout = Path(__file__).resolve().parent.parent / "themes"
    if checkout.is_dir():
        return sorted(checkout.glob("*.yaml"))
    try:
        folder = resources.files("tui.bundled_themes")
        return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))
    except (ModuleNotFoundError, FileNotFoundError):
        return []


def user_theme_files() -> list[Path]:
    folder = config_dir() / "themes"
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def theme_from_mapping(data: Any, source: str) -> Theme:
    """Build a Theme from a YAML mapping; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected a mapping of theme keys")
    unknown = set(data) - _THEME_KEYS
    if unknown:
        raise ValueError(f"{source}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    if not data.get("name") or not data.get("primary"):
        raise ValueError(f"{source}: a theme needs at least `name` and `primary`")
    theme = Theme(**data)
    # Resolve the colours now, so a typo is reported here and not at render time.
    theme.to_color_system().generate()
    return theme


def load_themes(extra_files: list[Path] | None = None) -> ThemeSet:
    """Every bundled and user theme; bad files become warnings, never crashes."""
    result = ThemeSet()
    for path in [*bundled_theme_files(), *user_theme_files(), *(extra_files or [])]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            result.themes.append(theme_from_mapping(data, path.name))
        except (OSError, yaml.YAMLError, ValueError, TypeError, Exception) as exc:  # noqa: BLE001
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            result.warnings.append(f"theme {path}: {first} (skipped)")
    return result


def terminal_has_few_colours(environ: dict[str, str] | None = None) -> bool:
    """True where the terminal reports 16 colours or fewer (or NO_COLOR is set)."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env:
        return True  # the ANSI-16 theme's cursors are reverse video: they survive without colour
    if env.get("COLORTERM") in ("truecolor", "24bit"):
        return False
    term = env.get("TERM", "")
    if "256color" in term or "truecolor" in term or "direct" in term:
        return False
    if term in ("xterm", "screen", "vt100", "vt220", "linux", "tmux", "ansi", "rxvt"):
        return True
    return 0 < terminfo_colours(term) <= 16  # e.g. xterm-16color, putty, cons25


def terminfo_colours(term: str) -> int:
    """The colour count terminfo gives for `term` (0 when unknown). `tput`, not
    curses: curses.setupterm only ever reads the first terminal it is given."""
    if not term or not shutil.which("tput"):
        return 0
    try:
        answer = subprocess.run(["tput", "-T", term, "colors"], capture_output=True, text=True, timeout=2)
        return max(int(answer.stdout.strip() or 0), 0)
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0
