"""Finding pg_dump, pg_restore and psql, and picking one that can talk to the server.

pg_dump refuses a server of a newer major version ("aborting because of server
version mismatch"); instead of that error, say which version is needed. A profile
with sslrootcert=system (the OS's CA store) needs a 16 or newer: older libpq
takes 'system' for a file name, and the TLS check would fail on a file that is not there.
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tui.db.base import Database
from tui.profiles.providers import SYSTEM_ROOTCERT_LIBPQ
from tui.services.transfer import TransferError

# A folder of PostgreSQL client programs to use instead of searching (e.g. /opt/pg17/bin).
BINDIR_VARIABLE = "BASTION_PG_BINDIR"
DEBIAN_ROOT = Path("/usr/lib/postgresql")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class ClientTool:
    """One found program and the major version it reports."""

    name: str
    path: Path
    major: int


def server_major(version_num: int) -> int:
    """150004 → 15; 90624 → 9 (9.6: the old numbering's majors count as 9 here)."""
    return version_num // 10000


def candidate_bindirs(environ: dict[str, str] | None = None) -> list[Path]:
    """Folders that may hold the client programs, best first: $BASTION_PG_BINDIR alone
    when set; else PATH, `pg_config --bindir`, /usr/lib/postgresql/*/bin (newest first)."""
    env = os.environ if environ is None else environ
    if env.get(BINDIR_VARIABLE):
        return [Path(env[BINDIR_VARIABLE]).expanduser()]
    found: list[Path] = [Path(p) for p in env.get("PATH", "").split(os.pathsep) if p]
    pg_config = shutil.which("pg_config", path=env.get("PATH"))
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=5)
            if out.returncode == 0 and out.stdout.strip():
                found.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    found += sorted(DEBIAN_ROOT.glob("*/bin"),
                    key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    unique: list[Path] = []
    for folder in found:
        if folder not in unique:
            unique.append(folder)
    return unique


def tool_major(path: Path) -> int | None:
    """The major version `path --version` reports, None if it does not run or say."""
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out.stdout)
    return int(match.group(1)) if match else None


def found_tools(name: str, environ: dict[str, str] | None = None) -> list[ClientTool]:
    """Every runnable `name` in the candidate folders, each real file once."""
    tools: list[ClientTool] = []
    seen: set[Path] = set()
    for folder in candidate_bindirs(environ):
        path = folder / name
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        real = path.resolve()
        if real in seen:
            continue
        seen.add(real)
        major = tool_major(path)
        if major is not None:
            tools.append(ClientTool(name, path, major))
    return tools


def tool_for(name: str, database: Database, environ: dict[str, str] | None = None) -> ClientTool:
    """find_tool for this connection: its server's major, and a libpq that knows
    sslrootcert=system when the connection uses it."""
    system_roots = getattr(database, "params", {}).get("sslrootcert") == "system"
    return find_tool(name, database.info.version_num, environ, system_roots=system_roots)


def find_tool(name: str, server_version_num: int, environ: dict[str, str] | None = None, *,
              system_roots: bool = False) -> ClientTool:
    """The first `name` whose major version is at least the server's (and 16 with
    `system_roots`: sslrootcert=system); TransferError naming the version needed
    (and what was found) when there is none."""
    needed = server_major(server_version_num)
    floor = max(needed, server_major(SYSTEM_ROOTCERT_LIBPQ)) if system_roots else needed
    tools = found_tools(name, environ)
    for tool in tools:
        if tool.major >= floor:
            return tool
    where = "$" + BINDIR_VARIABLE if (environ or os.environ).get(BINDIR_VARIABLE) else \
        "PATH, pg_config --bindir and /usr/lib/postgresql/*/bin"
    seen = ", ".join(f"{t.name} {t.major} ({t.path})" for t in tools)
    hint = (f"Install the PostgreSQL {floor} client programs (Debian/Ubuntu: postgresql-client-{floor}, "
            f"from apt.postgresql.org if your release lacks it), or set {BINDIR_VARIABLE} to their folder.")
    if floor > needed and any(tool.major >= needed for tool in tools):
        bundle = ssl.get_default_verify_paths().cafile
        message = (f"The profile's sslrootcert=system (the system's CA store) needs {name} {floor} or newer: "
                   f"older ones take 'system' for a file name; found only {seen}.")
        hint += (" Or give the profile's sslrootcert the CA bundle's path instead"
                 + (f" (here {bundle})." if bundle else "."))
        raise TransferError(message, hint)
    if tools:
        message = f"The server is PostgreSQL {needed}: it needs {name} {floor} or newer; found only {seen}."
    else:
        message = f"{name} was not found (looked in {where}); the server is PostgreSQL {needed}."
    raise TransferError(message, hint)
