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

from tui.formatting import first_line
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
            first = first_line(exc)
            result.warnings.append(f"theme {path}: {first} (skipped)")
    return result


# Terminals with 16 colours or fewer, for when terminfo does not know the TERM:
# jump hosts often lack ncurses-term, which holds putty, xterm-16color, cons25, ...
SIXTEEN_COLOUR_TERMS = frozenset({
    "ansi", "cons25", "cygwin", "dumb", "Eterm", "konsole-16color", "linux", "linux-16color",
    "putty", "putty-16color", "rxvt", "rxvt-16color", "rxvt-color", "screen", "screen-16color",
    "screen.xterm-16color", "sun", "tmux", "tmux-16color", "vt100", "vt102", "vt220", "vt52",
    "xterm", "xterm-16color", "xterm-8color", "xterm-color",
})


def terminal_has_few_colours(environ: dict[str, str] | None = None) -> bool:
    """True where the terminal has 16 colours or fewer (or NO_COLOR is set): a
    TERM in SIXTEEN_COLOUR_TERMS, or one terminfo gives 16 colours or fewer."""
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env:
        return True  # the ANSI-16 theme's cursors are reverse video: they survive without colour
    if env.get("COLORTERM") in ("truecolor", "24bit"):
        return False
    term = env.get("TERM", "")
    if "256color" in term or "truecolor" in term or "direct" in term:
        return False
    if term in SIXTEEN_COLOUR_TERMS or term.endswith(("-16color", "-8color")):
        return True  # without a subprocess: terminfo says the same where it knows them
    colours = terminfo_colours(term)
    return colours is not None and colours <= 16


def terminfo_colours(term: str) -> int | None:
    """The colour count terminfo gives for `term` (0 for none), or None when
    terminfo does not know it. `tput`, not curses: curses.setupterm only ever
    reads the first terminal it is given."""
    if not term or not shutil.which("tput"):
        return None
    try:
        answer = subprocess.run(["tput", "-T", term, "colors"], capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.SubprocessError):
        return None
    if answer.returncode != 0:
        return None  # 3: unknown terminal
    try:
        return max(int(answer.stdout.strip()), 0)  # -1: no colours at all (vt100)
    except ValueError:
        return None
