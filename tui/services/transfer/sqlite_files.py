"""SQLite backup and restore with the online backup API.

Backup: a consistent copy while the app (or anyone) writes, into a 0600 file,
checked before it takes its name. Restore: the dump is first copied beside the
target and checked (`PRAGMA integrity_check`); only then does it replace the
target, with one rename (after the target's WAL is checkpointed: a stale -wal
file must never be replayed onto the new file).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.db.sqlite import connect_file
from tui.paths import create_private
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress

Progress = Callable[[TransferProgress], None]
PAGES_PER_STEP = 256


class _Stop(Exception):
    """Raised inside the backup's progress callback to abandon it."""


def _copy(source: sqlite3.Connection, target: Path, progress: Progress, cancel: threading.Event,
          phase: str) -> None:
    """The backup API from `source` into a fresh 0600 file at `target`."""
    create_private(target, binary=True).close()
    page_size = int(source.execute("PRAGMA page_size").fetchone()[0])
    dest = connect_file(target, read_only=False)

    def step(_status: int, remaining: int, total: int) -> None:
        if cancel.is_set():
            raise _Stop()
        progress(TransferProgress(phase, total - remaining, total, (total - remaining) * page_size, unit="pages"))

    try:
        source.backup(dest, pages=PAGES_PER_STEP, progress=step)
    except _Stop:
        raise TransferCancelled() from None
    except sqlite3.Error as exc:
        raise TransferError(f"The copy failed: {exc}") from None
    finally:
        dest.close()


def integrity_problem(path: Path) -> str | None:
    """None when `PRAGMA integrity_check` says ok, else its first findings."""
    try:
        conn = connect_file(path, read_only=True)
        try:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(rows[:3])


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise TransferError(f"{path} is not a file.")
    try:
        conn = connect_file(path, read_only=True)
        conn.execute("PRAGMA schema_version").fetchone()
    except sqlite3.Error as exc:
        raise TransferError(f"{path} is not an SQLite database: {exc}") from None
    return conn


def _verified_copy(source_path: Path, target: Path, progress: Progress, cancel: threading.Event,
                   failed: str) -> None:
    """`source_path` copied into a fresh 0600 file at `target` that passed its integrity
    check; on any failure (`failed` says what for a bad check) `target` is removed."""
    source = _open_source(source_path)
    try:
        _copy(source, target, progress, cancel, "copying pages")
        problem = integrity_problem(target)
        if problem:
            raise TransferError(f"{failed}: {problem}")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        source.close()


def backup_sqlite(database: Any, path: Path, progress: Progress, cancel: threading.Event) -> Any:
    """Copy the profile's SQLite file to `path` (created 0600, verified, renamed into place)."""
    from tui.services.transfer.dump import DumpResult

    if path.exists():
        raise TransferError(f"{path} exists: choose another name, or move it away first.")
    partial = path.with_name(f".{path.name}.partial")
    _verified_copy(Path(database.path), partial, progress, cancel, "The copy failed its integrity check")
    try:
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    size = path.stat().st_size
    progress(TransferProgress("done", 1, 1, size, unit="files"))
    return DumpResult(path, 0, size)


def restore_sqlite(database: Any, path: Path, progress: Progress, cancel: threading.Event) -> Any:
    """Replace the profile's SQLite file with a verified copy of `path`, atomically."""
    from tui.services.transfer.restore import RestoreResult

    target = Path(database.path).resolve()
    staged = target.with_name(f".{target.name}.restore")
    _verified_copy(path, staged, progress, cancel, f"{path} failed its integrity check; {target} was not touched")
    try:
        if cancel.is_set():
            raise TransferCancelled()
        _checkpoint(target)
        engine = getattr(database, "engine", None)
        if engine is not None:
            engine.dispose()  # pooled connections would keep reading the old file
        os.chmod(staged, target.stat().st_mode & 0o777)
        os.replace(staged, target)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    tables = _table_count(target)
    progress(TransferProgress("done", tables, tables, target.stat().st_size))
    return RestoreResult(path, "sqlite", tables)


def _checkpoint(target: Path) -> None:
    """Fold the target's WAL into it and empty it, or refuse while someone writes."""
    if not Path(f"{target}-wal").exists():
        return
    conn = connect_file(target, read_only=False)
    try:
        busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    if busy:
        raise TransferError(f"{target} is being written by another program: not replaced. Try again when it is idle.")


def _table_count(path: Path) -> int:
    conn = connect_file(path, read_only=True)
    try:
        return int(conn.execute("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").fetchone()[0])
    finally:
        conn.close()
