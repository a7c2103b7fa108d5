"""`bastion demo`'s engine: a private PostgreSQL with a seeded shop and a workload.

    with DemoEnvironment() as demo:
        run_the_app(demo.conninfo, demo.alembic_ini)

The cluster lives in the user's cache directory (as root, /var/cache/bastion/demo
when the server's user cannot reach root's cache) and is reused on later runs;
the server listens on a unix socket only, on a fresh port each run. Leaving the
`with` block, Ctrl+C, SIGTERM/SIGHUP and interpreter exit all stop the workload
and then the server. A server orphaned by SIGKILL is stopped by the next run.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import platformdirs
import psycopg

from tui.demo.binaries import has_pg_stat_statements, installed_bindirs, server_major
from tui.demo.cluster import (
    ClusterError,
    LocalCluster,
    make_directories,
    server_user,
    unreachable_directory,
    unreachable_message,
)
from tui.demo.seed import (
    DEMO_DBNAME,
    demo_database_state,
    ensure_extension,
    forget_seed_statements,
    seed_demo_database,
)
from tui.demo.workload import Workload

ALEMBIC_INI = Path(__file__).with_name("alembic") / "alembic.ini"
SUPERUSER = "postgres"
RESET_HINT = "Run `bastion demo --reset` to delete it and start over"
# sun_path holds 107 bytes; leave room for "/.s.PGSQL.NNNNN".
_MAX_SOCKET_DIR_LENGTH = 90
# As root, when the server user cannot reach root's cache (/root is usually 0700).
SYSTEM_BASE_DIR = Path("/var/cache/bastion/demo")


class DemoError(RuntimeError):
    """The demo could not start; the message says why and what to do about it."""


def default_base_dir() -> Path:
    """Where the demo keeps its cluster unless told otherwise: the user's cache
    directory, or, as root when the server user cannot reach it, SYSTEM_BASE_DIR."""
    cache = platformdirs.user_cache_path("bastion") / "demo"
    try:
        user = server_user()
    except ClusterError:
        return cache  # no user to run the server: start() says so
    if user is None or unreachable_directory(cache, user) is None:
        return cache
    return SYSTEM_BASE_DIR


class DemoEnvironment:
    """A running demo server, from `__enter__` until `__exit__`.

    After entering: `conninfo` (libpq parameters for a trusted unix-socket
    connection to the demo database; `port` is an int), `alembic_ini` (the demo's
    Alembic project) and `server_version` (e.g. "15.18").
    """

    def __init__(
        self,
        base_dir: Path | None = None,
        progress: Callable[[str], None] = print,
        workload: bool = True,
    ) -> None:
        # Absolute: the server runs with another working directory.
        self.base_dir = Path(base_dir or default_base_dir()).expanduser().absolute()
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "postgresql.log"
        self.progress = progress
        self.with_workload = workload
        self.alembic_ini = ALEMBIC_INI
        self.conninfo: dict[str, Any] = {}
        self.server_version = ""
        self.pg_stat_statements = False
        self.seeded_now = False
        self._cluster: LocalCluster | None = None
        self._workload: Workload | None = None
        self._lock_fd: int | None = None
        self._temp_socket_dir: Path | None = None
        self._previous_handlers: dict[int, Any] = {}
        # Re-entrant: a signal handler may call close() while start() holds it.
        self._state_lock = threading.RLock()
        self._started = False
        self._closing = False

    # -- context manager -------------------------------------------------------
    def __enter__(self) -> DemoEnvironment:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> None:
        """Start (and on the first run create and seed) the demo; see the class doc."""
        with self._state_lock:
            if self._started:
                raise DemoError("This demo environment was already started")
            self._started = True
        self._install_exit_guards()
        try:
            self._start()
        except BaseException:
            # Ctrl+C while seeding lands here too: never leave a server behind.
            self.close()
            raise

    def close(self) -> None:
        """Stop the workload, then the server. Safe to call more than once."""
        with self._state_lock:
            if self._closing:
                return
            self._closing = True
        try:
            if self._workload is not None:
                self.progress("Stopping the demo workload …")
                self._workload.stop()
        finally:
            try:
                if self._cluster is not None and self._cluster.running:
                    self.progress("Stopping PostgreSQL …")
                    self._cluster.stop()
            finally:
                if self._temp_socket_dir is not None:
                    shutil.rmtree(self._temp_socket_dir, ignore_errors=True)
                self._release_lock()
                self._remove_exit_guards()

    def reset(self) -> None:
        """Delete the demo's cluster, so the next start creates and seeds a new one.

        Refuses while another demo runs on the same directory; stops a server
        orphaned by a killed earlier run.
        """
        if not self.base_dir.exists():
            return
        self._acquire_lock()
        try:
            _stop_orphaned_server(self.data_dir)
            if self.data_dir.exists():
                self.progress(f"Deleting {self.data_dir} …")
                shutil.rmtree(self.data_dir)
            for log in (self.log_file, self.log_file.with_name(self.log_file.name + ".1")):
                log.unlink(missing_ok=True)
        finally:
            self._release_lock()

    # -- the steps of start() --------------------------------------------------
    def _start(self) -> None:
        try:
            user = server_user()
            make_directories(self.base_dir, searchable=user is not None)
        except ClusterError as exc:
            raise DemoError(str(exc)) from exc
        except OSError as exc:
            raise DemoError(f"Cannot create the demo directory {self.base_dir}: {exc}") from exc
        if user is not None:
            blocked = unreachable_directory(self.base_dir, user)
            if blocked is not None:
                raise DemoError(unreachable_message(self.base_dir, user, blocked))
        self._acquire_lock()
        bindir = self._choose_bindir()
        major = server_major(bindir)
        first_run = not (self.data_dir / "PG_VERSION").is_file()
        self.pg_stat_statements = has_pg_stat_statements(bindir, major)
        self._rotate_log()
        cluster = LocalCluster(
            datadir=self.data_dir,
            socket_dir=self._socket_dir(),
            superuser=SUPERUSER,
            # Only initdb sees it: the server listens on a trusted socket only.
            password=secrets.token_urlsafe(24),
            bindir=bindir,
            settings=self._server_settings(),
            log_file=self.log_file,
        )
        self._cluster = cluster
        if first_run:
            self.progress(f"Creating a PostgreSQL {major} cluster in {self.data_dir} (first run) …")
        else:
            self.progress(f"Starting PostgreSQL {major} …")
        try:
            cluster.start()
        except (ClusterError, OSError, subprocess.SubprocessError) as exc:
            raise DemoError(self._unusable_message(str(exc))) from exc

        self.conninfo = {
            "host": str(cluster.socket_dir),
            "port": cluster.port,
            "user": SUPERUSER,
            "dbname": DEMO_DBNAME,
        }
        try:
            self._prepare_database(first_run)
        except psycopg.Error as exc:
            raise DemoError(self._unusable_message(f"database error: {exc}")) from exc

        if self.with_workload:
            self._workload = Workload(self.conninfo)
            self._workload.start()

    def _prepare_database(self, first_run: bool) -> None:
        with psycopg.connect(**{**self.conninfo, "dbname": "postgres"}, autocommit=True) as admin:
            self.server_version = _version_string(admin.info.server_version)
            state = demo_database_state(admin)
        if state != "seeded":
            why = "first run" if first_run or state == "missing" else "the demo data changed"
            self.progress(f"Seeding demo database ({why}, ~20 s) …")
            seed_demo_database(self.conninfo, self.progress)
            self.seeded_now = True
        if self.pg_stat_statements:
            self.pg_stat_statements = ensure_extension(self.conninfo, "pg_stat_statements")
            if self.pg_stat_statements and self.seeded_now:
                forget_seed_statements(self.conninfo)

    def _choose_bindir(self) -> Path:
        """Server programs of the data directory's major version (any on a first run)."""
        bindirs = installed_bindirs()
        if not bindirs:
            raise DemoError(
                "No PostgreSQL server programs found (looked on PATH, pg_config --bindir, "
                "/usr/lib/postgresql/*/bin and the pgserver wheel). Install PostgreSQL "
                "or `pip install 'bastion[demo]'`."
            )
        version_file = self.data_dir / "PG_VERSION"
        if not version_file.is_file():
            return bindirs[0]
        wanted = version_file.read_text().strip()
        majors = {}
        for bindir in bindirs:
            majors[bindir] = server_major(bindir)
            if majors[bindir] == wanted:
                return bindir
        found = ", ".join(sorted(set(majors.values()))) or "none"
        raise DemoError(
            f"The demo data in {self.data_dir} was made by PostgreSQL {wanted}, but only "
            f"PostgreSQL {found} is installed here. {RESET_HINT} with PostgreSQL {found}."
        )

    def _server_settings(self) -> dict[str, str]:
        settings = {
            "listen_addresses": "''",  # unix socket only
            "unix_socket_permissions": "0700",  # only this user (and root) may connect
            # Tables created and filled in one transaction skip the WAL: faster seed.
            "wal_level": "minimal",
            "max_wal_senders": "0",
            "track_io_timing": "on",
            # Keep the cache directory small: the seed needs no WAL kept around.
            "min_wal_size": "32MB",
            "max_wal_size": "256MB",
        }
        if self.pg_stat_statements:
            settings["shared_preload_libraries"] = "pg_stat_statements"
        return settings

    def _socket_dir(self) -> Path:
        preferred = self.base_dir / "run"
        if len(str(preferred)) <= _MAX_SOCKET_DIR_LENGTH:
            return preferred
        self._temp_socket_dir = Path(tempfile.mkdtemp(prefix="bastion-demo-"))
        return self._temp_socket_dir

    def _rotate_log(self) -> None:
        try:
            if self.log_file.stat().st_size > 5_000_000:
                self.log_file.replace(self.log_file.with_name(self.log_file.name + ".1"))
        except FileNotFoundError:
            pass

    def _unusable_message(self, detail: str) -> str:
        tail = ""
        try:
            lines = self.log_file.read_text(errors="replace").strip().splitlines()[-5:]
            if lines:
                tail = "\nLast lines of " + str(self.log_file) + ":\n  " + "\n  ".join(lines)
        except OSError:
            pass
        return (
            f"The demo's PostgreSQL data directory {self.data_dir} could not be used: "
            f"{detail.strip()}\n{RESET_HINT} (or delete that directory yourself).{tail}"
        )

    # -- one demo per directory ------------------------------------------------
    def _acquire_lock(self) -> None:
        if self._lock_fd is not None:
            return
        fd = os.open(self.base_dir / "demo.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DemoError(f"Another bastion demo is already running with {self.base_dir}.") from None
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    # -- stopping on the way out, whatever the way -----------------------------
    def _install_exit_guards(self) -> None:
        atexit.register(self.close)
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous = signal.getsignal(signum)
            if previous is signal.SIG_IGN:
                continue  # e.g. under nohup: the user asked to survive SIGHUP
            self._previous_handlers[signum] = previous
            signal.signal(signum, self._on_signal)

    def _remove_exit_guards(self) -> None:
        atexit.unregister(self.close)
        if threading.current_thread() is not threading.main_thread():
            return
        for signum, previous in self._previous_handlers.items():
            if signal.getsignal(signum) == self._on_signal:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        self._previous_handlers.clear()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        previous = self._previous_handlers.get(signum)
        if self._closing:
            return  # already on our way out
        self.close()
        if callable(previous):
            previous(signum, frame)
        else:
            # Unwind like Ctrl+C does, so `finally` blocks (and Textual) clean up.
            raise SystemExit(128 + signum)


def _version_string(server_version_num: int) -> str:
    """150018 -> '15.18'."""
    return f"{server_version_num // 10000}.{server_version_num % 10000}"


def _stop_orphaned_server(data_dir: Path, wait_seconds: float = 15) -> None:
    """Stop a postmaster still running on `data_dir` (its owner process was killed)."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        comm = Path(f"/proc/{pid}/comm")
        if comm.exists() and not comm.read_text().startswith("postgres"):
            return  # a stale file whose pid now belongs to another program
        os.kill(pid, signal.SIGINT)  # "fast" shutdown
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGQUIT)  # "immediate" shutdown
    except OSError:
        pass
