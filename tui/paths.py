"""Where bastion keeps its files (XDG via platformdirs)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any

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


def atomic_write(path: Path, text: str, mode: int = 0o600, backup: bool = True) -> None:
    """Write `text` to `path` so that a crash leaves either the old or the new file,
    never a truncated one; created `mode` from the first byte. With `backup`, keep the
    previous version as `<name>.bak`. A symlink stays a link: the file it points to is
    replaced (e.g. profiles kept in a dotfiles repo)."""
    path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if backup and path.exists():
            backup_path = path.with_name(path.name + ".bak")
            shutil.copy2(path, backup_path)
            os.chmod(backup_path, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def create_private(path: Path, binary: bool = False) -> IO[Any]:
    """Open a new file at `path` for writing, readable by its owner only (0600) from
    the first byte; a leftover file there is replaced, a symlink there is not followed."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    if binary:
        return os.fdopen(fd, "wb")
    return os.fdopen(fd, "w", encoding="utf-8", newline="")

