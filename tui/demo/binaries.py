"""Which PostgreSQL server programs the demo uses, and what they can do.

The search order is cluster.candidate_bindirs(): PATH, pg_config, Debian's
/usr/lib/postgresql/NN/bin, then the pgserver wheel.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tui.demo.cluster import SERVER_PROGRAMS, candidate_bindirs


def installed_bindirs() -> list[Path]:
    """Directories holding initdb, pg_ctl and postgres, best first, without duplicates."""
    return list(dict.fromkeys(b for b in candidate_bindirs() if has_server_programs(b)))


def has_server_programs(bindir: Path) -> bool:
    """Whether `bindir` has all of initdb, pg_ctl and postgres."""
    return all((bindir / name).is_file() for name in SERVER_PROGRAMS)


def server_major(bindir: Path) -> str:
    """'15' from `postgres --version` ('postgres (PostgreSQL) 15.18 (Debian …)')."""
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    match = re.search(r"\)\s+(\d+)(?:\.\d+)?", out)
    return match.group(1) if match else "?"


def has_pg_stat_statements(bindir: Path, major: str) -> bool:
    """Whether the server in `bindir` can load pg_stat_statements (a contrib module)."""
    libdirs = [bindir.parent / "lib" / "postgresql", bindir.parent / "lib"]
    sharedirs = [
        bindir.parent / "share" / "postgresql",
        bindir.parent / "share",
        Path("/usr/share/postgresql") / major,
    ]
    pg_config = bindir / "pg_config"
    if pg_config.is_file():
        try:
            out = subprocess.run(
                [str(pg_config), "--pkglibdir", "--sharedir"],
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.split("\n")
            if len(out) >= 2 and out[0] and out[1]:
                libdirs.insert(0, Path(out[0]))
                sharedirs.insert(0, Path(out[1]))
        except (OSError, subprocess.SubprocessError):
            pass
    has_library = any(
        (d / f"pg_stat_statements{ext}").is_file() for d in libdirs for ext in (".so", ".dylib")
    )
    has_control = any((d / "extension" / "pg_stat_statements.control").is_file() for d in sharedirs)
    return has_library and has_control
