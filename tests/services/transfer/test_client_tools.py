"""Which pg_dump / pg_restore / psql a job runs: with sslrootcert=system, one whose
libpq knows 'system' (16 or newer), or a message naming what to install."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.transfer import TransferError
from tui.services.transfer.dump import DumpRequest, dump_database
from tui.services.transfer.tools import find_tool


def fake_tool(folder: Path, name: str, major: int) -> Path:
    folder.mkdir()
    tool = folder / name
    tool.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {major}.4'\n")
    tool.chmod(0o755)
    return tool


def test_sslrootcert_system_prefers_a_client_of_16_or_newer(tmp_path: Path) -> None:
    old = fake_tool(tmp_path / "pg15", "pg_dump", 15)
    new = fake_tool(tmp_path / "pg17", "pg_dump", 17)
    environ = {"PATH": f"{old.parent}:{new.parent}"}
    assert find_tool("pg_dump", 150004, environ).path == old  # the first that fits the server
    assert find_tool("pg_dump", 150004, environ, system_roots=True).path == new

    with pytest.raises(TransferError) as caught:
        find_tool("pg_dump", 150004, {"PATH": str(old.parent)}, system_roots=True)
    assert caught.value.message.startswith(
        f"The profile's sslrootcert=system (the system's CA store) needs pg_dump 16 or newer: older ones take "
        f"'system' for a file name; found only pg_dump 15 ({old})")
    assert "postgresql-client-16" in caught.value.hint
    assert "Or give the profile's sslrootcert the CA bundle's path instead" in caught.value.hint


def test_a_dump_with_sslrootcert_system(pg_cluster: LocalCluster, pg_database: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's CA stands in for the system's store (OpenSSL's SSL_CERT_FILE): the
    workspace connection verifies with it; the child does too when its libpq can."""
    monkeypatch.setenv("BASTION_PG_BINDIR", str(pg_cluster.bindir))
    monkeypatch.setenv("SSL_CERT_FILE", str(pg_cluster.tls_files["ca.crt"]))  # type: ignore[attr-defined]
    profile = Profile(name="shop", host="localhost", port=pg_cluster.port, database=pg_database,
                      user=pg_cluster.superuser, password="keyring", sslmode="verify-full", sslrootcert="system")
    database = open_database(profile, pg_cluster.password)
    try:
        target = tmp_path / "system.dump"
        if database.info.version_num < 160000:  # the suite's only pg_dump is too old for 'system'
            with pytest.raises(TransferError, match="sslrootcert=system .* needs pg_dump 16 or newer"):
                dump_database(database, DumpRequest(target), lambda _step: None, threading.Event())
            assert not target.exists()
        else:
            dump_database(database, DumpRequest(target), lambda _step: None, threading.Event())
            assert target.read_bytes().startswith(b"PGDMP")
    finally:
        database.close()
