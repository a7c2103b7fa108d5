"""Real production topologies for the tests: a PgBouncer in transaction pooling
in front of the suite's PostgreSQL, and a streaming replica of it.

`PgBouncer` runs Debian's /usr/sbin/pgbouncer in the foreground on 127.0.0.1
and a free port, with its config, userlist and log in a temp dir, as the same
unprivileged user as the cluster (PgBouncer refuses to run as root). It logs in
to the server over TCP with the cluster superuser's password (scram-sha-256)
and lets clients in with that password too. `options` are forwarded or not as
`ignore_startup_parameters` says: 1.18 rejects them unless ignored, and then
drops them silently, as managed poolers do.

`Replica` is `pg_basebackup -R -X stream` of a primary, started on a port of
its own: a real standby that streams WAL.

Fixtures: `pgbouncer` (session-scoped, in front of `pg_cluster`) and
`pg_replica` (session-scoped: a primary of its own, so that its walsender and
hot_standby_feedback never show in the other tests' cluster, and its standby),
exported through conftest.py.
Both skip when the programs are missing (`.ci/run` installs them).

A test that needs other console users starts a `PgBouncer` of its own with
`users` (name: password, added to the userlist) and `stats_users` (added to the
superuser in `stats_users`; `admin_users` stays the superuser alone).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tui.demo.cluster import LocalCluster, cluster_temp_dir, free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


class TopologyRigError(RuntimeError):
    """The pooler or the replica could not be set up or did not start."""


def _wait_for_port(port: int, process: subprocess.Popen[bytes] | None, log: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TopologyRigError(f"exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TopologyRigError(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


class PgBouncer:
    """A throwaway PgBouncer in front of `cluster`; every database of the cluster
    is reachable under its own name, plus the admin console `pgbouncer`."""

    def __init__(self, cluster: LocalCluster, pool_mode: str = "transaction",
                 ignore_startup_parameters: str = "extra_float_digits",
                 users: dict[str, str] | None = None, stats_users: tuple[str, ...] = (),
                 settings: dict[str, str] | None = None) -> None:
        self.cluster = cluster
        self.settings = dict(settings or {})  # more [pgbouncer] settings (server_idle_timeout = 1, ...)
        self.port = free_port()
        self.user = cluster.superuser
        self.password = cluster.password
        self.pool_mode = pool_mode
        self.ignore_startup_parameters = ignore_startup_parameters
        self.users = {self.user: self.password, **(users or {})}
        self.stats_users = (self.user, *stats_users)
        self.folder = Path(tempfile.mkdtemp(prefix="bastion-test-pgbouncer-"))
        self.log = self.folder / "pgbouncer.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _config(self) -> str:
        return "\n".join([
            "[databases]",
            f"* = host=127.0.0.1 port={self.cluster.port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            f"unix_socket_dir = {self.folder}",
            f"pool_mode = {self.pool_mode}",
            "auth_type = scram-sha-256",
            f"auth_file = {self.folder / 'userlist.txt'}",
            f"admin_users = {self.user}",
            f"stats_users = {', '.join(self.stats_users)}",
            f"ignore_startup_parameters = {self.ignore_startup_parameters}",
            "default_pool_size = 4",
            "max_client_conn = 200",
            "server_reset_query = DISCARD ALL",
            f"logfile = {self.log}",
            f"pidfile = {self.folder / 'pgbouncer.pid'}",
            *(f"{key} = {value}" for key, value in self.settings.items()),
            "",
        ])

    def start(self) -> PgBouncer:
        if not Path(PGBOUNCER).is_file():
            raise TopologyRigError(f"{PGBOUNCER} is missing (Debian package pgbouncer)")
        (self.folder / "userlist.txt").write_text("".join(f'"{name}" "{secret}"\n'
                                                          for name, secret in self.users.items()))
        config = self.folder / "pgbouncer.ini"
        config.write_text(self._config())
        command = [PGBOUNCER, str(config)]
        if self.cluster.run_as:  # pgbouncer refuses root, like postgres
            entry = pwd.getpwnam(self.cluster.run_as)
            os.chmod(self.folder, 0o755)
            for path in (self.folder, config, self.folder / "userlist.txt"):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(self.folder / "userlist.txt", 0o600)
            command = ["runuser", "-u", self.cluster.run_as, "--", *command]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        _wait_for_port(self.port, self.process, self.log)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def conninfo(self, dbname: str, user: str | None = None, **extra: str) -> str:
        """libpq key=value string through the pooler (password authentication), as
        the superuser or as one of `users`."""
        user = user or self.user
        base = f"host=127.0.0.1 port={self.port} user={user} password={self.users[user]} dbname={dbname}"
        return " ".join([base, *(f"{k}={v}" for k, v in extra.items())])

    def admin(self, command: str) -> list[dict[str, object]]:
        """Run one admin console command (`SHOW POOLS`, `PAUSE db`, …): rows by column name."""
        with psycopg.connect(self.conninfo("pgbouncer"), autocommit=True, prepare_threshold=None) as conn:
            cursor = conn.execute(command)
            if cursor.description is None:
                return []
            names = [d.name for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Replica:
    """A streaming standby of `primary` (pg_basebackup -R -X stream), on its own port."""

    def __init__(self, primary: LocalCluster) -> None:
        self.primary = primary
        self.base = cluster_temp_dir("bastion-test-replica-")
        self.cluster = LocalCluster(datadir=self.base / "data", socket_dir=self.base / "sock",
                                    bindir=primary.bindir, password=primary.password)

    def start(self) -> Replica:
        data = self.cluster.datadir
        data.mkdir(mode=0o700)
        command = [str(self.primary.bindir / "pg_basebackup"), "-D", str(data), "-R", "-X", "stream",
                   "-h", str(self.primary.socket_dir), "-p", str(self.primary.port), "-U", self.primary.superuser,
                   "--no-sync", "-c", "fast"]
        if self.cluster.run_as:
            entry = pwd.getpwnam(self.cluster.run_as)
            os.chown(data, entry.pw_uid, entry.pw_gid)
            command = ["runuser", "-u", self.cluster.run_as, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
        if result.returncode != 0:
            raise TopologyRigError(f"pg_basebackup failed: {result.stderr.strip()}")
        self.cluster.settings["hot_standby_feedback"] = "on"
        self.cluster.start()
        return self

    def wait_caught_up(self, seconds: float = 15) -> None:
        """Until the standby has replayed everything the primary had written when called."""
        with psycopg.connect(self.primary.socket_conninfo(), autocommit=True) as conn:
            target = conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]  # type: ignore[index]
        deadline = time.monotonic() + seconds
        with psycopg.connect(self.cluster.socket_conninfo(), autocommit=True) as conn:
            while time.monotonic() < deadline:
                behind = conn.execute("SELECT pg_wal_lsn_diff(%s, pg_last_wal_replay_lsn()) > 0",
                                      (target,)).fetchone()[0]  # type: ignore[index]
                if not behind:
                    return
                time.sleep(0.05)
        raise TopologyRigError(f"the replica did not replay up to {target} in {seconds} s")

    def stop(self) -> None:
        self.cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def plain_role_on(replica: Replica) -> Iterator[str]:
    """A login role without pg_monitor/pg_read_all_stats, created on the primary and
    replayed on the standby (where it logs in over the trusted socket)."""
    name = f"plain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(replica.primary.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        replica.wait_caught_up()
        yield name
    finally:
        with psycopg.connect(replica.cluster.socket_conninfo(), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
        with psycopg.connect(replica.primary.socket_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def running(bouncer: PgBouncer) -> Iterator[PgBouncer]:
    """`bouncer` started for a fixture to yield, stopped after (the test skips
    where PgBouncer is not installed)."""
    if not Path(PGBOUNCER).is_file():
        pytest.skip("pgbouncer is not installed (Debian package pgbouncer; .ci/run installs it)")
    try:
        yield bouncer.start()
    finally:
        bouncer.stop()


@pytest.fixture(scope="session")
def pgbouncer(pg_cluster: LocalCluster) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling in front of the suite's PostgreSQL."""
    yield from running(PgBouncer(pg_cluster))


@pytest.fixture
def own_pgbouncer(pg_cluster: LocalCluster) -> Iterator[PgBouncer]:
    """A PgBouncer of this test's own: no pools, clients or server connections
    that earlier tests left in the suite's one."""
    yield from running(PgBouncer(pg_cluster))


@pytest.fixture
def pgbouncer_console_users(pg_cluster: LocalCluster) -> Iterator[PgBouncer]:
    """A PgBouncer of this test's own with two more users: `app` (in neither
    admin_users nor stats_users: the console refuses it) and `watcher` (stats_users
    only: SHOW, but no PAUSE/RESUME/RECONNECT/KILL)."""
    yield from running(PgBouncer(pg_cluster, users={"app": "app-pw", "watcher": "watcher-pw"},
                                 stats_users=("watcher",)))


@pytest.fixture(scope="session")
def pg_replica() -> Iterator[Replica]:
    """A primary of its own and its streaming replica (`.primary`, `.cluster`)."""
    base = cluster_temp_dir("bastion-test-primary-")
    primary = LocalCluster(datadir=base / "data", socket_dir=base / "sock")
    replica: Replica | None = None
    try:
        primary.start()
        replica = Replica(primary)
        yield replica.start()
    finally:
        if replica is not None:
            replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)
