"""`pg_dump` through the profile: the right binary, a private password channel,
progress from its --verbose lines, and never a partial file left behind.

The dump is written under a temporary name beside the target (`.NAME.partial`,
0600 / 0700 from the start) and renamed only when pg_dump succeeded.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tui.db.base import Database
from tui.db.roles import DUMP
from tui.paths import create_private
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.child_env import child_environment
from tui.services.transfer.child_process import ChildRun
from tui.services.transfer.postgres_child import child_params
from tui.services.transfer.tools import tool_for
from tui.sql.transfer import DUMPED_TABLES

DUMP_FORMATS = ("custom", "plain", "directory")
_TABLE_LINE = re.compile(r'dumping contents of table "?([^"]+)"?')

Progress = Callable[[TransferProgress], None]


@dataclass(frozen=True)
class DumpRequest:
    """What to dump, where to."""

    path: Path
    format: str = "custom"
    schemas: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    data_only: bool = False
    schema_only: bool = False

    def check(self) -> None:
        """TransferError for options that cannot go together or a target in the way."""
        if self.format not in DUMP_FORMATS:
            raise TransferError(f"Unknown dump format '{self.format}': choose one of {', '.join(DUMP_FORMATS)}.")
        if self.data_only and self.schema_only:
            raise TransferError("--data-only and --schema-only exclude each other.")
        if self.path.exists():
            raise TransferError(f"{self.path} exists: choose another name, or move it away first.")
        if not self.path.parent.is_dir():
            raise TransferError(f"{self.path.parent} is not a folder.")


@dataclass(frozen=True)
class DumpResult:
    """A finished dump."""

    path: Path
    tables: int
    bytes_written: int


def default_dump_name(profile: Profile, fmt: str, now: datetime | None = None) -> str:
    """`shop-20260101-120000.dump` (.sql for plain, no suffix for a directory; .sqlite3 for SQLite)."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    if profile.is_sqlite:
        return f"{profile.name}-{stamp}.sqlite3"
    return f"{profile.name}-{stamp}" + {"custom": ".dump", "plain": ".sql"}.get(fmt, "")


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file of a directory dump (0 if it is not there yet)."""
    try:
        if path.is_dir():
            return sum(entry.stat().st_size for entry in path.iterdir() if entry.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def dump_arguments(tool: str, request: DumpRequest, target: Path) -> list[str]:
    """pg_dump's command line: options and file names only (settings and the password
    travel through the environment)."""
    argv = [tool, "--verbose", f"--format={request.format}", f"--file={target}", "--no-password"]
    argv += [f"--schema={schema}" for schema in request.schemas]
    argv += [f"--table={table}" for table in request.tables]
    if request.data_only:
        argv.append("--data-only")
    if request.schema_only:
        argv.append("--schema-only")
    return argv


def count_tables(database: Database, request: DumpRequest) -> int | None:
    """How many tables' data the dump writes (None: unknown, e.g. a schema-only dump)."""
    if request.schema_only:
        return None
    try:
        rows = database.catalog_rows(DUMPED_TABLES, {"schemas": list(request.schemas) or None,
                                                     "tables": list(request.tables) or None})
    except Exception:  # noqa: BLE001 - a progress total is a nicety: the dump goes on without it
        return None
    return int(rows[0]["tables"]) if rows else None


def _partial_target(path: Path, fmt: str) -> Path:
    """A fresh, private place beside `path` for pg_dump to write into."""
    partial = path.with_name(f".{path.name}.partial")
    if partial.is_dir():
        shutil.rmtree(partial)
    else:
        partial.unlink(missing_ok=True)
    if fmt == "directory":
        partial.mkdir(mode=0o700)
    else:
        create_private(partial, binary=True).close()
    return partial


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def dump_database(database: Database, request: DumpRequest, progress: Progress,
                  cancel: threading.Event) -> DumpResult:
    """Dump the connected database to `request.path` (blocking: call from a worker).
    SQLite: the online backup API. Raises TransferError / TransferCancelled."""
    if database.info.kind == "sqlite":
        from tui.services.transfer.sqlite_files import backup_sqlite

        return backup_sqlite(database, request.path, progress, cancel)
    request.check()
    tool = tool_for("pg_dump", database)
    total = count_tables(database, request)
    progress(TransferProgress("starting pg_dump", 0, total))
    partial = _partial_target(request.path, request.format)
    done = 0
    try:
        with child_environment(child_params(database, DUMP)) as env:
            child = ChildRun(dump_arguments(str(tool.path), request, partial), env, cancel)
            phase = "reading the catalog"
            for line in child.lines():
                match = _TABLE_LINE.search(line or "")
                if match:
                    done += 1 if phase.startswith("dumping ") else 0
                    phase = f"dumping {match.group(1)}"
                progress(TransferProgress(phase, done, total, size_of(partial)))
            child.finish("pg_dump")
        if phase.startswith("dumping "):
            done += 1
        written = size_of(partial)
        if request.path.exists():
            raise TransferError(f"{request.path} appeared while dumping: the dump was not kept.")
        os.replace(partial, request.path)
    except BaseException:
        _remove(partial)
        raise
    progress(TransferProgress("done", done, total, written))
    return DumpResult(request.path, done, written)
