"""Shared fixtures: a real throwaway PostgreSQL, per-test databases, isolated
config dirs, and an in-memory keyring for tests that are not about the keyring."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import keyring.backend
import psycopg
import pytest
from helpers.clusters import throwaway_cluster
from helpers.major_clusters import major_clusters  # noqa: F401  (fixture)
from helpers.sshd_rig import sshd  # noqa: F401  (fixture)
from helpers.topology_rig import own_pgbouncer, pg_replica, pgbouncer  # noqa: F401  (fixtures)
from keyring.compat import properties
from psycopg import sql

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile

# Fixtures kept beside the helpers they use (the pty sessions: start_bastion, sqlite_db).
pytest_plugins = ["helpers.pty_sessions"]

CLEARED_ENV = (
    "BASTION_PROFILES", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE",
    "PGSERVICEFILE", "PGPASSFILE", "PGSSLMODE", "PGSSLROOTCERT", "PGCONNECT_TIMEOUT", "PGAPPNAME",
    "PGOPTIONS", "NO_COLOR",
)


class SuiteKeyring(keyring.backend.KeyringBackend):
    """Base of the suite's keyrings: never picked by keyring's automatic choice
    (a class with a priority would join the chain in every later lookup)."""

    @properties.classproperty
    def priority(cls) -> float:  # type: ignore[override]
        raise RuntimeError("test keyrings are only used through keyring.set_keyring")


class MemoryKeyring(SuiteKeyring):
    """A keyring that lives in a dict: for tests that are not about the keyring."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            import keyring.errors

            raise keyring.errors.PasswordDeleteError("not found")
        del self.entries[(service, username)]


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own config/state/data/cache dirs and no PG* variables."""
    home = tmp_path / "home"
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        folder = home / name.lower()
        folder.mkdir(parents=True)
        monkeypatch.setenv(name, str(folder))
    for name in CLEARED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PGPASSFILE", str(home / "no-pgpass"))
    monkeypatch.setenv("PGSERVICEFILE", str(home / "no-pg-service.conf"))
    monkeypatch.chdir(tmp_path)  # exports and other relative paths land in the test's folder
    return home


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What a headless host has: keyring's 'fail' backend."""
    import keyring.backends.fail

    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def make_test_certificates(folder: Path) -> dict[str, Path]:
    """A throwaway CA and a server certificate for `localhost` only (so that
    connecting to 127.0.0.1 with verify-full is a host name mismatch)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / name for name in ("ca.key", "ca.crt", "server.key", "server.csr",
                                               "server.crt", "other-ca.key", "other-ca.crt")}

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", f"/CN=bastion test {ca}", "-keyout", str(files[f"{ca}.key"]),
                "-out", str(files[f"{ca}.crt"]))
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
            "-keyout", str(files["server.key"]), "-out", str(files["server.csr"]))
    ext = folder / "san.ext"
    ext.write_text("subjectAltName=DNS:localhost\n")
    openssl("x509", "-req", "-in", str(files["server.csr"]), "-CA", str(files["ca.crt"]),
            "-CAkey", str(files["ca.key"]), "-CAcreateserial", "-days", "2",
            "-extfile", str(ext), "-out", str(files["server.crt"]))
    return files


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[LocalCluster]:
    """One real PostgreSQL for the whole run, in a temp dir, stopped at the end.
    TLS is on, with a certificate from a throwaway CA (`cluster.tls_files`)."""
    def with_tls(cluster: LocalCluster, base: Path) -> None:
        tls = make_test_certificates(base / "tls")
        if cluster.run_as:
            import pwd

            entry = pwd.getpwnam(cluster.run_as)
            for path in (base / "tls", tls["server.key"], tls["server.crt"]):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        tls["server.key"].chmod(0o600)
        cluster.settings.update({"ssl": "on", "ssl_cert_file": str(tls["server.crt"]),
                                 "ssl_key_file": str(tls["server.key"])})
        cluster.tls_files = tls  # type: ignore[attr-defined]

    with throwaway_cluster("bastion-test-pg-", with_tls) as cluster:
        yield cluster


@pytest.fixture
def new_database(pg_cluster: LocalCluster) -> Iterator[Callable[[], str]]:
    """Creates fresh databases for one test, as many as it asks for; all dropped
    (with their sessions) afterwards."""
    names: list[str] = []

    def create() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return name

    yield create
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def pg_database(new_database: Callable[[], str]) -> str:
    """A fresh database for one test, dropped (with its sessions) afterwards."""
    return new_database()


@pytest.fixture
def pg_profile(pg_cluster: LocalCluster, pg_database: str) -> Profile:
    """A profile over 127.0.0.1 that needs the superuser's password (keyring source)."""
    return Profile(
        name="testdb", host="127.0.0.1", port=pg_cluster.port, database=pg_database,
        user=pg_cluster.superuser, password="keyring", sslmode="disable",
    )


@pytest.fixture
def socket_profile(pg_cluster: LocalCluster, pg_database: str) -> Profile:
    """A profile over the trusted unix socket: no password needed."""
    return Profile(
        name="local", host=str(pg_cluster.socket_dir), port=pg_cluster.port, database=pg_database,
        user=pg_cluster.superuser, password="none",
    )


@pytest.fixture
def seeded_database(pg_cluster: LocalCluster, pg_database: str,
                    socket_profile: Profile) -> Iterator[Callable[[str], Database]]:
    """Runs a module's setup SQL in the test's database, then opens it over the
    socket (closed after the test)."""
    opened: list[Database] = []

    def seed(setup: str) -> Database:
        with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
            conn.execute(setup)  # type: ignore[arg-type]  # each module's own constant SQL
        opened.append(open_database(socket_profile))
        return opened[-1]

    yield seed
    for database in opened:
        database.close()


@pytest.fixture
def profiles_file(tmp_path: Path) -> Path:
    return tmp_path / "profiles.yaml"


@pytest.fixture
def fixed_dir(request: pytest.FixtureRequest) -> Iterator[Path]:
    """The folder at the fixed path the test module names in FIXED_DIR (its snapshots
    show that path), emptied before and removed after."""
    folder = Path(request.module.FIXED_DIR)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
