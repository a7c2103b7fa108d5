"""Where bastion keeps its files (XDG via platformdirs)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "bastion"


def config_dir() -> Path:
    """Profiles, settings and user themes: `$XDG_CONFIG_HOME/bastion`."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def state_dir() -> Path:
    """Crash reports and logs: `$XDG_STATE_HOME/bastion`."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def data_dir() -> Path:
    """Editor autosaves and history: `$XDG_DATA_HOME/bastion`."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    """The demo cluster and caches: `$XDG_CACHE_HOME/bastion`."""
    return Path(platformdirs.user_cache_dir(APP_NAME))
