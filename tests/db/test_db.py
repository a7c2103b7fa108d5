"""Connections to a real PostgreSQL and real SQLite files: no mocks."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tui.db import ConnectFailure, open_database
from tui.db.postgres import connection_params, server_options
from tui.db.roles import WORKSPACE
from tui.demo.cluster import LocalCluster, free_port
from tui.profiles import Profile
from tui.secrets import PasswordVault
from tui.services.connect import connect_first_try, connect_with_password


def test_connects_and_probes_the_server(socket_profile: Profile) -> None:
    db = open_database(socket_profile)
    try:
        info = db.info
        assert info.kind == "postgresql" and info.version_num >= 120000
        assert info.is_superuser and info.can_monitor and not info.in_recovery
        assert info.database == socket_profile.database
        row = db.conn.execute(
            "SELECT application_name, current_setting('tcp_keepalives_idle') FROM pg_stat_activity "
            "WHERE pid = pg_backend_pid()").fetchone()
        assert row[0] == "bastion"
    finally:
        db.close()


def test_connection_params_follow_libpq_conventions(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = Profile(name="p", host="db", read_only=True, statement_timeout="5s", search_path="app, public")
    params = connection_params(profile, "pw")
    assert params["keepalives"] == "1" and params["connect_timeout"] == "10"
    assert params["fallback_application_name"] == "bastion" and "application_name" not in params
    assert params["options"] == (
        "-c default_transaction_read_only=on -c statement_timeout=5s -c search_path=app,\\ public")
    assert params["password"] == "pw"
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
    monkeypatch.setenv("PGOPTIONS", "-c work_mem=8MB")
    params = connection_params(Profile(name="p"))
    assert "connect_timeout" not in params and "host" not in params and "password" not in params
    assert server_options(Profile(name="p", read_only=True)) == "-c work_mem=8MB -c default_transaction_read_only=on"


def test_read_only_is_enforced_by_the_server(socket_profile: Profile) -> None:
    db = open_database(socket_profile.with_changes(read_only=True))
    try:
        assert db.info.read_only
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction, match="read-only transaction"):
            db.conn.execute("CREATE TABLE t (id int)")
    finally:
        db.close()


def test_pg_environment_variables_are_honoured(pg_cluster: LocalCluster, pg_database: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", str(pg_cluster.socket_dir))
    monkeypatch.setenv("PGPORT", str(pg_cluster.port))
    monkeypatch.setenv("PGUSER", pg_cluster.superuser)
    monkeypatch.setenv("PGDATABASE", pg_database)
    db = open_database(Profile(name="env", password="none"))
    assert db.info.database == pg_database
    db.close()


def test_pgpass_and_service_file(pg_cluster: LocalCluster, pg_database: str, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg_cluster.port}:*:{pg_cluster.superuser}:{pg_cluster.password}\n")
    pgpass.chmod(0o600)
    service = tmp_path / "pg_service.conf"
    service.write_text(f"[testsvc]\nhost=127.0.0.1\nport={pg_cluster.port}\ndbname={pg_database}\n"
                       f"user={pg_cluster.superuser}\nsslmode=disable\n")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    db = open_database(Profile(name="svc", service="testsvc", password="pgpass"))
    assert db.info.database == pg_database
    db.close()


def test_password_flow_wrong_then_right_is_stored_only_when_it_works(pg_profile: Profile, memory_keyring,
                                                                     pg_cluster: LocalCluster) -> None:
    vault = PasswordVault()
    with pytest.raises(ConnectFailure) as first:
        connect_first_try(pg_profile, vault)
    assert first.value.kind == "password_required"
    with pytest.raises(ConnectFailure) as wrong:
        connect_with_password(pg_profile, vault, "not-the-password")
    assert wrong.value.kind == "auth" and "password authentication failed" in wrong.value.message
    assert memory_keyring.entries == {}
    connected = connect_with_password(pg_profile, vault, pg_cluster.password)
    assert connected.saved_to_keyring
    connected.database.close()
    assert memory_keyring.entries == {("bastion", "testdb"): pg_cluster.password}
    # Next time the keyring answers and nobody is asked.
    again = connect_first_try(pg_profile, PasswordVault())
    again.database.close()


def test_without_keyring_a_typed_password_lives_in_memory(pg_profile: Profile, no_keyring,
                                                          pg_cluster: LocalCluster) -> None:
    vault = PasswordVault()
    with pytest.raises(ConnectFailure):
        connect_first_try(pg_profile, vault)
    connected = connect_with_password(pg_profile, vault, pg_cluster.password)
    assert not connected.saved_to_keyring and connected.keyring_note
    connected.database.close()
    connect_first_try(pg_profile, vault).database.close()  # from memory, this session only


def test_unreachable_host_fails_fast_with_a_message() -> None:
    profile = Profile(name="gone", host="127.0.0.1", port=free_port(), password="none", connect_timeout=3)
    started = time.monotonic()
    with pytest.raises(ConnectFailure) as failure:
        open_database(profile)
    assert time.monotonic() - started < 3
    assert failure.value.kind == "unreachable" and "127.0.0.1" in failure.value.hint


def test_verify_full_with_the_ca_works(pg_profile: Profile, pg_cluster: LocalCluster) -> None:
    tls = pg_cluster.tls_files  # type: ignore[attr-defined]
    profile = pg_profile.with_changes(host="localhost", sslmode="verify-full", sslrootcert=str(tls["ca.crt"]))
    db = open_database(profile, pg_cluster.password)
    assert db.conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()[0]
    db.close()


@pytest.mark.parametrize(
    ("changes", "message", "hint"),
    [
        ({"host": "localhost", "sslrootcert": "missing-ca.pem"}, "root certificate file", "set sslrootcert"),
        ({"host": "localhost", "sslrootcert": "other-ca.crt"}, "certificate verify failed", "sslrootcert"),
        ({"host": "127.0.0.1", "sslrootcert": "ca.crt"}, "does not match host name", "verify-ca"),
    ],
    ids=["no-ca-file", "unknown-ca", "wrong-host-name"],
)
def test_tls_failures_name_the_cause_and_the_key(pg_profile: Profile, pg_cluster: LocalCluster,
                                                 changes: dict, message: str, hint: str) -> None:
    folder = pg_cluster.tls_files["ca.crt"].parent  # type: ignore[attr-defined]
    changes = {**changes, "sslrootcert": str(folder / changes["sslrootcert"]), "sslmode": "verify-full"}
    with pytest.raises(ConnectFailure) as failure:
        open_database(pg_profile.with_changes(**changes), pg_cluster.password)
    assert failure.value.kind == "tls"
    assert message in failure.value.message and hint in failure.value.hint


def test_missing_database_is_explained(socket_profile: Profile) -> None:
    with pytest.raises(ConnectFailure) as failure:
        open_database(socket_profile.with_changes(database="no_such_db"))
    assert failure.value.kind == "database_missing"


def test_sqlite_missing_file_is_never_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(ConnectFailure) as failure:
        open_database(Profile(name="s", driver="sqlite", path=str(path)))
    assert failure.value.kind == "missing_file" and "never creates" in failure.value.hint
    assert not path.exists()


def test_sqlite_read_only_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id integer primary key, name text)")
    db = open_database(Profile(name="s", driver="sqlite", path=str(path), read_only=True))
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with db.engine.connect() as conn, pytest.raises(OperationalError, match="readonly|read-only"):
        conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    assert db.info.kind == "sqlite" and db.info.read_only
    db.close()


def test_sqlite_rejects_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not sqlite " * 100)
    with pytest.raises(ConnectFailure, match="Cannot open"):
        open_database(Profile(name="s", driver="sqlite", path=str(path)))


@contextmanager
def not_postgres(on_connect: bytes, on_data: bytes) -> Iterator[int]:
    """A plain TCP server on 127.0.0.1 that speaks something else: its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def answer() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                continue
            with client:
                client.settimeout(2)
                try:
                    client.sendall(on_connect)
                    if client.recv(1024):
                        client.sendall(on_data)
                except OSError:
                    pass

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        server.close()


@pytest.mark.parametrize(("on_connect", "on_data", "sslmodes"), [
    pytest.param(b"", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", ("prefer", "disable", "require"),
                 id="http"),
    pytest.param(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", b"Invalid SSH identification string.\r\n",
                 ("prefer", "disable", "verify-full"), id="ssh"),
])
def test_something_other_than_postgres_on_the_port_is_named(
        on_connect: bytes, on_data: bytes, sslmodes: tuple[str, ...], pg_cluster: LocalCluster) -> None:
    """Not "check sslmode": an SSH or HTTP server on the port is named as such."""
    with not_postgres(on_connect, on_data) as port:
        for sslmode in sslmodes:
            profile = Profile(name="p", host="127.0.0.1", port=port, database="app", user="ops",
                              password="none", sslmode=sslmode, connect_timeout=3,
                              sslrootcert=str(pg_cluster.tls_files["ca.crt"]))
            with pytest.raises(ConnectFailure) as caught:
                open_database(profile)
            failure = caught.value
            assert failure.kind == "not_postgres", (sslmode, failure.message)
            assert failure.message == f"Something other than PostgreSQL answered on 127.0.0.1:{port}."
            assert "sslmode" not in failure.hint and "host and port" in failure.hint


# -- connection roles: every role's policy, written once in tui/db/roles.py ---------------


def test_every_role_is_named_once_with_todays_application_names() -> None:
    from tui.db.roles import ROLES, role_named

    assert set(ROLES) == {"workspace", "query", "browse", "activity", "activity actions", "server",
                          "pooler console", "migrations", "completion", "export", "connection check",
                          "fleet monitor", "dump", "restore", "import", "cli query", "mcp", "health",
                          "browse write"}
    assert {r.application_name for r in ROLES.values()} == {
        None, "bastion activity", "bastion activity actions", "bastion fleet",
        "bastion dump", "bastion restore", "bastion import", "bastion query", "bastion mcp"}
    assert role_named("fleet monitor") is ROLES["fleet monitor"]
    # Only roles that must survive a pooler that refuses startup options drop them.
    assert {r.name for r in ROLES.values() if not r.startup_options} == {"pooler console", "fleet monitor"}


def test_role_params_drop_options_rename_and_cap_the_connect_timeout() -> None:
    from tui.db.roles import FLEET_MONITOR, QUERY, role_params

    params = connection_params(Profile(name="p", host="db", read_only=True, connect_timeout=30))
    fleet = role_params(params, FLEET_MONITOR)
    assert "options" not in fleet and fleet["application_name"] == "bastion fleet"
    assert fleet["connect_timeout"] == "5" and params["connect_timeout"] == "30" and "options" in params
    assert role_params(params, FLEET_MONITOR, connect_timeout=60)["connect_timeout"] == "30"
    assert role_params(params, QUERY) == params


def test_a_role_connection_is_tagged_and_its_settings_end_with_the_transaction(socket_profile: Profile) -> None:
    from tui.db.roles import ACTIVITY_ACTIONS, FLEET_MONITOR, role_transaction

    db = open_database(socket_profile)
    try:
        with db.connect(ACTIVITY_ACTIONS) as conn:
            assert conn.execute("SELECT current_setting('application_name')").fetchone() == (
                "bastion activity actions",)
            with role_transaction(conn, ACTIVITY_ACTIONS):
                assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
            assert conn.execute("SHOW statement_timeout").fetchone() == ("0",)
        with db.connect("fleet monitor") as conn:
            with role_transaction(conn, FLEET_MONITOR, statement_timeout="2500ms"):
                assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
                assert conn.execute("SHOW lock_timeout").fetchone() == ("500ms",)
                assert conn.execute("SHOW statement_timeout").fetchone() == ("2500ms",)
            assert conn.execute("SHOW transaction_read_only").fetchone() == ("off",)
        with db.connect(WORKSPACE) as conn:  # the main connection's settings
            assert conn.execute("SELECT current_setting('application_name')").fetchone() == ("bastion",)
    finally:
        db.close()


def test_postgres_reads_quoting_and_transport(socket_profile: Profile) -> None:
    db = open_database(socket_profile)
    try:
        assert db.read_rows("SELECT 1 AS one, %(x)s::text AS x", {"x": "y"}) == [{"one": 1, "x": "y"}]
        assert db.catalog_rows("SELECT current_setting('lock_timeout') AS t") == [{"t": "300ms"}]
        assert db.quote_table("public", 'we"ird') == '"public"."we""ird"'
        transport = db.transport()
        assert transport.tls is False and transport.tunnel is None and not transport.password_used
    finally:
        db.close()


def test_sqlite_reads_quoting_and_its_own_connections(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id integer primary key, name text)")
        conn.execute("INSERT INTO t (name) VALUES ('a')")
    db = open_database(Profile(name="s", driver="sqlite", path=str(path)))
    try:
        assert db.catalog_rows("SELECT name FROM sqlite_schema WHERE type = 'table'") == [{"name": "t"}]
        assert db.read_rows("SELECT name FROM t WHERE id = :id", {"id": 1}) == [{"name": "a"}]
        assert db.quote_table("main", "t") == '"t"' and db.quote_table("aux", 'a"b') == '"aux"."a""b"'
        assert db.transport().tls is None
        conn = db.connect("completion")  # a role that only reads: mode=ro
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("INSERT INTO t (name) VALUES ('x')")
        conn.close()
        conn = db.connect("query")  # the editor's may write on a read-write profile
        conn.execute("INSERT INTO t (name) VALUES ('x')")
        conn.commit()
        conn.close()
    finally:
        db.close()
