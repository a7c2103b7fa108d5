"""`profiles test` tries every sslmode on the suite's server (TLS with a throwaway
CA whose certificate names `localhost` only) and says what each gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.secrets import PasswordVault
from tui.services.connection_check import SslmodeOutcome, check_profile


def outcomes(profile: Profile, password: str) -> list[tuple[str, str | None, bool, str]]:
    vault = PasswordVault()
    vault.remember(profile.name, password, persist=False)
    found: list[SslmodeOutcome] = []
    hops = check_profile(profile, vault, None, found)
    assert all(hop.ok for hop in hops), hops
    return [(o.sslmode, o.rootcert, o.ok, o.detail) for o in found if o.rootcert != "system"]


def test_each_sslmode_with_the_right_ca_by_name(pg_cluster: LocalCluster, pg_profile: Profile, memory_keyring) -> None:
    ca = str(pg_cluster.tls_files["ca.crt"])  # type: ignore[attr-defined]
    profile = pg_profile.with_changes(host="localhost", sslmode="require", sslrootcert=ca)
    assert outcomes(profile, pg_cluster.password) == [
        ("disable", None, True, "connects, NOT encrypted"),
        ("require", None, True, "encrypted, server not verified"),
        ("verify-ca", ca, True, "encrypted, CA verified (any host name)"),
        ("verify-full", ca, True, "encrypted, verified (CA and host name)"),
    ]


def test_by_address_and_with_a_wrong_or_missing_ca(pg_cluster: LocalCluster, pg_profile: Profile,
                                                   memory_keyring, isolated_env: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(isolated_env))  # no ~/.postgresql/root.crt
    ca = str(pg_cluster.tls_files["ca.crt"])  # type: ignore[attr-defined]
    other = str(pg_cluster.tls_files["other-ca.crt"])  # type: ignore[attr-defined]
    by_ip = outcomes(pg_profile.with_changes(sslmode="require", sslrootcert=ca), pg_cluster.password)
    assert by_ip[3] == ("verify-full", ca, False, "the certificate does not name this host")
    assert by_ip[2][2] is True
    wrong = outcomes(pg_profile.with_changes(host="localhost", sslrootcert=other), pg_cluster.password)
    assert wrong[2] == ("verify-ca", other, False, "the server's certificate is not signed by that CA")
    missing = outcomes(pg_profile.with_changes(host="localhost"), pg_cluster.password)
    assert missing[3][2] is False and "no CA file" in missing[3][3]


def test_cli_prints_the_comparison(pg_cluster: LocalCluster, pg_profile: Profile, profiles_file: Path,
                                   memory_keyring, capsys: pytest.CaptureFixture[str]) -> None:
    ca = str(pg_cluster.tls_files["ca.crt"])  # type: ignore[attr-defined]
    ProfileStore(profiles_file).load().put(pg_profile.with_changes(host="localhost", sslmode="verify-full",
                                                                   sslrootcert=ca))
    memory_keyring.set_password("bastion", pg_profile.name, pg_cluster.password)
    assert main(["profiles", "--profiles", str(profiles_file), "test", pg_profile.name]) == 0
    out = capsys.readouterr().out
    assert "TLS by sslmode (each tried once):" in out
    assert "  ok    require: encrypted, server not verified\n" in out
    assert f"  ok    verify-full with sslrootcert={ca}: encrypted, verified (CA and host name)  (this profile)" in out
