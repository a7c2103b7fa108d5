"""`pg_restore` (archives) or `psql` (plain SQL dumps) through the profile.

Refused on a read-only profile; the caller asks for the typed name on production
(`restore_question`). A plain dump, and an archive restored with one job, run in
one transaction that stops at the first error: a failure leaves the database as it
was. Parallel jobs cannot share a transaction: their failure says what may be left.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from tui.db.base import Database
from tui.db.roles import RESTORE
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.child_env import child_environment
from tui.services.transfer.child_process import ChildRun
from tui.services.transfer.postgres_child import child_params
from tui.services.transfer.tools import tool_for

Progress = Callable[[TransferProgress], None]
_DATA_LINE = re.compile(r'processing data for table "?([^"]+)"?')
# pg_restore --verbose: 'creating TABLE "public.a"', 'dropping INDEX "a_pkey"' …
_OBJECT_LINE = re.compile(r'(creating|dropping) ([A-Z][A-Z ]*?) "?([^"]+)"?$')
CHUNK = 256 * 1024
LEFT_SHOWN = 8  # objects named in a partial restore's error, then "and N more"


@dataclass(frozen=True)
class RestoreResult:
    """A finished restore."""

    path: Path
    kind: str  # "archive" or "plain"
    tables: int
    notes: tuple[str, ...] = ()  # what the user should know, e.g. an option that did not apply


def dump_kind(path: Path) -> str:
    """"archive" (custom, tar or directory: pg_restore) or "plain" (SQL: psql);
    TransferError for anything else."""
    if path.is_dir():
        if (path / "toc.dat").is_file():
            return "archive"
        raise TransferError(f"{path} is a folder without toc.dat: not a directory-format dump.")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise TransferError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if head.startswith(b"PGDMP") or head[257:262] == b"ustar":
        return "archive"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if "PostgreSQL database dump" in text or (text.lstrip().startswith(("--", "SET ", "CREATE ", "BEGIN"))):
        return "plain"
    raise TransferError(f"{path} is not a dump: neither a pg_dump archive (custom, directory, tar) "
                        "nor a plain SQL script.")


def restore_refusal(profile: Profile, database: Database) -> str | None:
    """Why a restore into this connection is refused, or None."""
    if profile.read_only or database.info.read_only:
        return f"'{profile.name}' is read-only: bastion restores into it never. Use a profile that may write."
    if database.info.in_recovery:
        return f"'{profile.name}' is a standby (in recovery): it takes no writes."
    return None


def restore_question(profile: Profile, path: Path, clean: bool) -> str:
    """What the user confirms (on production by typing the profile's name)."""
    action = "drop the objects it contains and recreate them" if clean else "add its objects and data"
    return f"Restore {path} into {profile.target()} ({profile.name}): {action}."


def archive_tables(tool: Path, path: Path) -> int:
    """TABLE DATA entries of an archive (`pg_restore --list`: no connection); a
    TransferError in pg_restore's words when it is no archive it can read."""
    out = subprocess.run([str(tool), "--list", str(path)], capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        said = out.stderr.strip().splitlines()
        raise TransferError(f"{path}: {said[-1] if said else 'pg_restore cannot read it'}",
                            "Is it a dump, and was it made by a pg_dump no newer than this pg_restore?")
    return sum(1 for line in out.stdout.splitlines() if " TABLE DATA " in line and not line.startswith(";"))


def restore_database(database: Database, profile: Profile, path: Path, progress: Progress,
                     cancel: threading.Event, *, clean: bool = False, jobs: int = 1) -> RestoreResult:
    """Restore `path` into the connected database (blocking). SQLite: the file is
    replaced by a verified copy. Raises TransferError / TransferCancelled."""
    refusal = restore_refusal(profile, database)
    if refusal:
        raise TransferError(refusal)
    if not path.exists():
        raise TransferError(f"{path} does not exist.")
    if database.info.kind == "sqlite":
        from tui.services.transfer.sqlite_files import restore_sqlite

        return restore_sqlite(database, path, progress, cancel)
    if jobs < 1:
        raise TransferError("--jobs must be 1 or more.")
    kind = dump_kind(path)
    dbname = make_conninfo(dbname=str(database.info.database or profile.database or ""))
    params = child_params(database, RESTORE)
    if kind == "archive":
        return _restore_archive(database, params, path, dbname, progress, cancel, clean, jobs)
    if clean:
        raise TransferError(plain_clean_refusal(path))
    notes = (f"--jobs {jobs} is ignored: a plain SQL dump is one psql script, run in one transaction.",) \
        if jobs > 1 else ()
    return _restore_plain(database, params, path, dbname, progress, cancel, notes)


def plain_clean_refusal(path: Path) -> str:
    """Why --clean does not apply to this plain SQL dump, and what to do instead."""
    if _plain_drops_first(path):
        return (f"{path.name} is a plain SQL dump made with pg_dump --clean: it drops its own objects before "
                "recreating them. Restore it without Clean first (--clean).")
    return (f"{path.name} is a plain SQL dump without DROP statements: psql runs it as written, so Clean first "
            "(--clean) cannot drop anything. Restore it into an empty database, or dump again with "
            "pg_dump --clean, or as an archive (custom format, bastion dump's default) which --clean applies to.")


def _plain_drops_first(path: Path) -> bool:
    """Whether a plain dump starts with DROP statements (pg_dump --clean writes them all
    before its first CREATE)."""
    with path.open("rb") as script:
        for line in script:
            if line.startswith(b"DROP "):
                return True
            if line.startswith((b"CREATE ", b"COPY ", b"INSERT ", b"ALTER ")):
                return False
    return False


def _restore_archive(database: Database, params: dict[str, object], path: Path, dbname: str,
                     progress: Progress, cancel: threading.Event, clean: bool, jobs: int) -> RestoreResult:
    """pg_restore: one job runs in one transaction; parallel jobs cannot, so their
    failure names what the restore created (or dropped) before it stopped."""
    tool = tool_for("pg_restore", database)
    total = archive_tables(tool.path, path)
    argv = [str(tool.path), "--verbose", "--no-password", "--exit-on-error", f"--dbname={dbname}"]
    if clean:
        argv += ["--clean", "--if-exists"]
    argv.append(f"--jobs={jobs}" if jobs > 1 else "--single-transaction")
    argv.append(str(path))
    done = 0
    touched: list[str] = []  # "TABLE public.a", "dropped INDEX a_pkey", in pg_restore's order
    progress(TransferProgress("starting pg_restore", 0, total))
    with child_environment(params) as env:
        child = ChildRun(argv, env, cancel)
        for line in child.lines():
            match = _DATA_LINE.search(line or "")
            if match:
                done += 1
                touched.append(f"TABLE DATA {match.group(1)}")
                progress(TransferProgress(f"restoring {match.group(1)}", done, total))
            elif obj := _OBJECT_LINE.search(line or ""):
                touched.append(("dropped " if obj.group(1) == "dropping" else "") + f"{obj.group(2)} {obj.group(3)}")
        try:
            child.finish("pg_restore")
        except TransferError as exc:
            if jobs == 1:
                raise TransferError(exc.message, "It ran in one transaction: nothing was restored, "
                                                 "the database is as it was.") from None
            raise TransferError(exc.message, partial_restore_hint(jobs, touched)) from None
    progress(TransferProgress("done", done, total))
    return RestoreResult(path, "archive", done)


def partial_restore_hint(jobs: int, touched: list[str]) -> str:
    """What a failed parallel restore may have left behind."""
    if not touched:
        return (f"With --jobs {jobs} it could not run in one transaction, but it stopped before "
                "creating anything.")
    shown = ", ".join(touched[:LEFT_SHOWN])
    more = f" and {len(touched) - LEFT_SHOWN} more" if len(touched) > LEFT_SHOWN else ""
    return (f"The restore is PARTIAL: with --jobs {jobs} it cannot run in one transaction, so what it did "
            f"before the error stays: {shown}{more}. Restore with one job to get all or nothing.")


def _restore_plain(database: Database, params: dict[str, object], path: Path, dbname: str,
                   progress: Progress, cancel: threading.Event, notes: tuple[str, ...]) -> RestoreResult:
    """psql reads the script from a pipe we feed: bytes read is the progress."""
    tool = tool_for("psql", database)
    argv = [str(tool.path), "--no-psqlrc", "--quiet", "--no-password", "--single-transaction",
            "--set=ON_ERROR_STOP=1", f"--dbname={dbname}", "--file=-"]
    total = path.stat().st_size
    sent = tables = 0
    progress(TransferProgress("starting psql", 0, None, 0, total))
    with child_environment(params) as env, path.open("rb") as source:
        child = ChildRun(argv, env, cancel, stdin=subprocess.PIPE)
        stdin = child.process.stdin
        assert stdin is not None
        feeding_error: list[BaseException] = []

        def feed() -> None:
            nonlocal sent, tables
            try:
                while not cancel.is_set() and (chunk := source.read(CHUNK)):
                    stdin.write(chunk)
                    sent += len(chunk)
                    tables += chunk.count(b"\nCOPY ")
            except (BrokenPipeError, OSError) as exc:  # psql stopped (ON_ERROR_STOP): its stderr says why
                feeding_error.append(exc)
            finally:
                try:
                    stdin.close()
                except OSError:
                    pass

        feeder = threading.Thread(target=feed, daemon=True, name="bastion-restore-feed")
        feeder.start()
        for _line in child.lines():
            progress(TransferProgress("running the SQL script", tables, None, sent, total))
        feeder.join()
        child.finish("psql (the whole script was rolled back)")
    progress(TransferProgress("done", tables, None, sent, total))
    return RestoreResult(path, "plain", tables, notes)
