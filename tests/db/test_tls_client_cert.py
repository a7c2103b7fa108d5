"""Client certificates: `sslcert`/`sslkey` with `cert` authentication, on the
test cluster's throwaway CA. The server learns to trust the CA and one role
learns to log in by certificate only for this module; both are undone after."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tui.cli import main
from tui.db import ConnectFailure, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore

ROLE = "bastion_cert_user"


def openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def cert_login(pg_cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    tls = pg_cluster.tls_files  # type: ignore[attr-defined]
    folder = tmp_path_factory.mktemp("client-cert")
    key, csr, crt = folder / "client.key", folder / "client.csr", folder / "client.crt"
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={ROLE}", "-keyout", str(key), "-out", str(csr))
    openssl("x509", "-req", "-in", str(csr), "-CA", str(tls["ca.crt"]), "-CAkey", str(tls["ca.key"]),
            "-CAcreateserial", "-days", "2", "-out", str(crt))
    key.chmod(0o600)  # libpq refuses a key others can read
    rule = f"hostssl all {ROLE} 127.0.0.1/32 cert"
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
        hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
        original = hba.read_text()
        admin.execute(f"CREATE ROLE {ROLE} LOGIN")
        admin.execute(sql.SQL("ALTER SYSTEM SET ssl_ca_file = {}").format(sql.Literal(str(tls["ca.crt"]))))
        hba.write_text(rule + "\n" + original)  # first match wins: before the password rules
        admin.execute("SELECT pg_reload_conf()")
    try:
        yield {"ca": tls["ca.crt"], "cert": crt, "key": key, "other_ca": tls["other-ca.crt"]}
    finally:
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
            hba.write_text(original)
            admin.execute("ALTER SYSTEM RESET ssl_ca_file")
            admin.execute("SELECT pg_reload_conf()")
            admin.execute(f"DROP ROLE IF EXISTS {ROLE}")


def cert_profile(pg_cluster: LocalCluster, pg_database: str, files: dict[str, Path]) -> Profile:
    return Profile(name="by-cert", host="localhost", port=pg_cluster.port, database=pg_database, user=ROLE,
                   password="none", sslmode="verify-full", sslrootcert=str(files["ca"]),
                   sslcert=str(files["cert"]), sslkey=str(files["key"]))


def test_a_client_certificate_logs_in_without_a_password(cert_login: dict[str, Path], pg_cluster: LocalCluster,
                                                         pg_database: str) -> None:
    database = open_database(cert_profile(pg_cluster, pg_database, cert_login))
    try:
        assert database.info.current_user == ROLE
        row = database.conn.execute(  # type: ignore[attr-defined]
            "SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        assert row[0] and ROLE in row[1]
    finally:
        database.close()


def test_without_the_client_certificate_the_failure_says_so(cert_login: dict[str, Path],
                                                             pg_cluster: LocalCluster, pg_database: str) -> None:
    profile = cert_profile(pg_cluster, pg_database, cert_login).with_changes(sslcert=None, sslkey=None)
    with pytest.raises(ConnectFailure) as raised:
        open_database(profile)
    assert "certificate" in raised.value.message


def test_profiles_test_shows_certificate_login(cert_login: dict[str, Path], pg_cluster: LocalCluster,
                                               pg_database: str, tmp_path: Path, capsys) -> None:
    profiles = tmp_path / "profiles.yaml"
    ProfileStore(profiles).load().put(cert_profile(pg_cluster, pg_database, cert_login))
    assert main(["profiles", "--profiles", str(profiles), "test", "by-cert"]) == 0
    out = capsys.readouterr().out
    assert "host name verified" in out and f"as {ROLE}: no password needed" in out
