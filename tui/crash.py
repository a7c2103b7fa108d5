"""Crash reports: what failed, with every secret redacted, written to the state dir."""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from tui import __version__
from tui.paths import state_dir
from tui.secrets import redact


def format_crash(error: BaseException, secrets: set[str]) -> str:
    """The report's text: versions and the traceback, without locals (they may hold
    passwords) and with DSN passwords and known secrets masked."""
    lines = [
        f"bastion {__version__} crash report",
        f"time: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"python: {sys.version.split()[0]} on {platform.platform()}",
        f"argv: {' '.join(sys.argv[1:])}",
        "",
        *traceback.format_exception(type(error), error, error.__traceback__),
    ]
    return redact("\n".join(line.rstrip("\n") for line in lines), secrets) + "\n"


def write_crash_report(error: BaseException, secrets: set[str], folder: Path | None = None) -> Path | None:
    """Write the report (mode 0600) and return its path; None if even that fails."""
    folder = folder or state_dir() / "crash"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(format_crash(error, secrets))
        return path
    except OSError:
        return None
