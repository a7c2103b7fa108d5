"""A throwaway PostgreSQL cluster run from local server binaries.

Used by `bastion demo` and by the test suite, so both find and start a server
the same way: binaries on PATH, `pg_config --bindir`, Debian's
/usr/lib/postgresql/NN/bin, else the ones bundled in the `pgserver` wheel.
"""

from __future__ import annotations

import grp
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")


class ClusterError(RuntimeError):
    """The server could not be found, initialised, started or stopped."""


def _has_server_programs(bindir: Path) -> bool:
    return all((bindir / name).is_file() for name in SERVER_PROGRAMS)


def candidate_bindirs() -> list[Path]:
    """Directories that may hold PostgreSQL server programs, best first."""
    found: list[Path] = []
    initdb = shutil.which("initdb")
    if initdb:
        found.append(Path(initdb).resolve().parent)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=5
            )
            if out.returncode == 0 and out.stdout.strip():
                found.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    found.extend(debian)
    # Locate the wheel without importing it: its import has side effects
    # (a platformdirs warning on stderr when XDG_RUNTIME_DIR is unset).
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        found.append(Path(spec.origin).parent / "pginstall" / "bin")
    return found


def find_server_bindir() -> Path:
    """The first directory with initdb, pg_ctl and postgres, or ClusterError."""
    for bindir in candidate_bindirs():
        if _has_server_programs(bindir):
            return bindir
    raise ClusterError(
        "No PostgreSQL server programs found (looked on PATH, pg_config --bindir, "
        "/usr/lib/postgresql/*/bin and the pgserver wheel). Install the 'postgresql' "
        "package or `pip install 'bastion[demo]'`."
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_user() -> str | None:
    """Who runs initdb and postgres: None for ourselves, or, as root (which they
    refuse), an unprivileged user."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ClusterError("Running as root and no 'postgres' user exists to run the server.")


def unreachable_directory(path: Path, user: str) -> Path | None:
    """The first existing directory on the way to `path` (itself included) that
    `user` may not pass through (no x permission for it), or None."""
    entry = pwd.getpwnam(user)
    groups = {entry.pw_gid, *(g.gr_gid for g in grp.getgrall() if user in g.gr_mem)}
    for directory in reversed([path, *path.parents]):  # from / down
        try:
            info = directory.stat()
        except FileNotFoundError:
            continue  # created later, searchable (make_directories)
        if info.st_uid == entry.pw_uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid in groups:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return directory
    return None


def make_directories(path: Path, searchable: bool) -> None:
    """`mkdir -p path`. With `searchable`, the directories made here (and only
    those: never one that already existed) get o+x, so the server user can pass."""
    missing = [d for d in [path, *path.parents] if not d.exists()]
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        if searchable:
            os.chmod(directory, directory.stat().st_mode | stat.S_IXOTH)


def cluster_temp_dir(prefix: str) -> Path:
    """A new temp directory (mkdtemp) that the server user can pass through."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if server_user() is not None:
        os.chmod(path, 0o711)
    return path


def unreachable_message(path: Path, user: str, blocked: Path) -> str:
    """Why the server cannot use `path`, and what to do."""
    mode = stat.S_IMODE(blocked.stat().st_mode)
    return (f"PostgreSQL runs as '{user}' (it refuses root), and '{user}' cannot reach {path}: "
            f"{blocked} is not searchable (mode {mode:04o}). bastion does not change the "
            f"permissions of directories it did not create: use a directory '{user}' can reach.")


@dataclass
class LocalCluster:
    """A PostgreSQL cluster in `datadir`, listening on a unix socket in `socket_dir`
    and on 127.0.0.1:`port` (so tests can use password authentication over TCP).

    The superuser is `superuser` with `password`; local socket connections are
    trusted, TCP connections need the password (scram-sha-256).
    """

    datadir: Path
    socket_dir: Path
    port: int = field(default_factory=free_port)
    superuser: str = "postgres"
    password: str = "bastion-test-pw"
    bindir: Path = field(default_factory=find_server_bindir)
    settings: dict[str, str] = field(default_factory=dict)
    log_file: Path | None = None

    def __post_init__(self) -> None:
        self.datadir = Path(self.datadir)
        self.socket_dir = Path(self.socket_dir)
        self.run_as = server_user()
        if self.log_file is None:
            self.log_file = self.datadir.parent / f"{self.datadir.name}.log"

    # -- helpers ---------------------------------------------------------------
    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, cwd="/"
        )
        if result.returncode != 0:
            raise ClusterError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
            )
        return result

    def _own(self, path: Path) -> None:
        if self.run_as:
            entry = pwd.getpwnam(self.run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _prepare_directory(self, path: Path) -> None:
        """Create `path` (its missing parents searchable by the server user) and
        check that the server user can reach it; never chmod what existed."""
        make_directories(path, searchable=self.run_as is not None)
        if self.run_as:
            blocked = unreachable_directory(path, self.run_as)
            if blocked is not None:
                raise ClusterError(unreachable_message(path, self.run_as, blocked))

    @property
    def initialised(self) -> bool:
        return (self.datadir / "PG_VERSION").is_file()

    @property
    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").is_file()

    # -- lifecycle -------------------------------------------------------------
    def init(self) -> None:
        """Create the cluster (once)."""
        if self.initialised:
            return
        self._prepare_directory(self.datadir.parent)
        self.datadir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.datadir, 0o700)
        self._own(self.datadir)
        pwfile = self.datadir.parent / f".{self.datadir.name}.pw"
        pwfile.write_text(self.password + "\n")
        os.chmod(pwfile, 0o600)
        self._own(pwfile)
        try:
            self._run(
                [
                    "initdb",
                    "-D", str(self.datadir),
                    "-U", self.superuser,
                    "--pwfile", str(pwfile),
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E", "UTF8",
                    "--locale=C",
                    "--no-sync",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def start(self, wait_seconds: float = 30) -> None:
        """Start the server and wait until it accepts connections."""
        self.init()
        if self.running:
            self.stop()
        self._prepare_directory(self.socket_dir.parent)
        self.socket_dir.mkdir(exist_ok=True)
        self._own(self.socket_dir)
        if self.log_file:
            self.log_file.touch()
            self._own(self.log_file)
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "100",
            **self.settings,
        }
        opt_string = " ".join(f"-c {k}={v}" for k, v in options.items())
        self._run(
            [
                "pg_ctl", "start", "-w", "-t", str(int(wait_seconds)),
                "-D", str(self.datadir), "-l", str(self.log_file), "-o", opt_string,
            ],
            timeout=wait_seconds + 10,
        )

    def _clear_stale_pidfile(self) -> None:
        # A server killed with SIGKILL (or a reboot) leaves postmaster.pid behind
        # and pg_ctl stop then fails: drop the file when no postgres has that pid.
        pidfile = self.datadir / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except PermissionError:
            return  # alive, owned by another user
        except (OSError, ValueError):
            pidfile.unlink(missing_ok=True)
            return
        comm = Path(f"/proc/{pid}/comm")
        if comm.exists() and not comm.read_text().startswith("postgres"):
            pidfile.unlink(missing_ok=True)  # the pid was reused by another program

    def _signal_postmaster(self, signum: int) -> None:
        try:
            pid = int((self.datadir / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, signum)
        except (OSError, ValueError):
            pass

    def stop(self, mode: str = "fast") -> None:
        """Stop the server if it runs. "fast" rolls back open sessions; "immediate"
        kills them at once, as a crash would (tests of a lost connection)."""
        if self.running:
            self._clear_stale_pidfile()
        if not self.running:
            return
        try:
            self._run(["pg_ctl", "stop", "-w", "-m", mode, "-D", str(self.datadir)], timeout=60)
        except ClusterError:
            if self.running:
                self._signal_postmaster(signal.SIGQUIT)  # immediate shutdown, without pg_ctl
        deadline = time.monotonic() + 10
        while self.running and time.monotonic() < deadline:
            time.sleep(0.05)

    # -- how to reach it -------------------------------------------------------
    def socket_conninfo(self, dbname: str = "postgres") -> str:
        """libpq key=value string for a trusted unix-socket connection."""
        return f"host={self.socket_dir} port={self.port} user={self.superuser} dbname={dbname}"
