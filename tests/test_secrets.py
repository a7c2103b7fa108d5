"""Keyring access with timeouts and fallback, and redaction."""

from __future__ import annotations

import threading

import keyring
import pytest
from conftest import SuiteKeyring

from tui.crash import format_crash, write_crash_report
from tui.secrets import KeyringStore, KeyringUnavailable, PasswordVault, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://app:s3cret@db/shop", "postgresql://app:***@db/shop"),
        ("postgresql+asyncpg://app:s3cret@db/shop", "postgresql+asyncpg://app:***@db/shop"),
        ("host=db password=s3cret user=app", "host=db password=*** user=app"),
        ("host=db password='s3 cret' user=app", "host=db password=*** user=app"),
        ("PGPASSWORD=s3cret psql", "PGPASSWORD=*** psql"),
        ("postgresql://db/shop?password=s3cret&sslmode=require", "postgresql://db/shop?password=***&sslmode=require"),
        ("postgresql://app@db/shop", "postgresql://app@db/shop"),
    ],
)
def test_redact_dsns(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_known_secrets_anywhere() -> None:
    assert redact("auth failed for hunter22 today", {"hunter22"}) == "auth failed for *** today"


def test_no_keyring_is_reported_once_and_quickly(no_keyring) -> None:
    store = KeyringStore()
    with pytest.raises(KeyringUnavailable, match="no keyring backend"):
        store.get("p")
    assert store.unavailable is not None
    assert "PYTHON_KEYRING_BACKEND" in store.unavailable.advice
    with pytest.raises(KeyringUnavailable):
        store.set("p", "x")


class HangingKeyring(SuiteKeyring):
    """A keyring that never answers, like a half-configured D-Bus."""
    release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(10)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(10)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(10)


def test_a_hanging_keyring_times_out() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(HangingKeyring())
    try:
        store = KeyringStore(timeout=0.3)
        with pytest.raises(KeyringUnavailable, match="did not answer"):
            store.get("p")
    finally:
        HangingKeyring.release.set()
        keyring.set_keyring(previous)


class BrokenKeyring(HangingKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("collection is locked")


def test_a_failing_keyring_becomes_unavailable() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        vault = PasswordVault()
        assert vault.lookup("p") is None
        assert "collection is locked" in vault.keyring.unavailable.reason
    finally:
        keyring.set_keyring(previous)


def test_vault_keeps_typed_passwords_in_memory_without_keyring(no_keyring) -> None:
    vault = PasswordVault()
    assert vault.remember("p", "typed", persist=True) is False
    assert vault.lookup("p") == "typed"
    vault.forget("p")
    assert vault.lookup("p") is None
    assert "typed" in vault.known_secrets()


def test_vault_persists_to_keyring(memory_keyring) -> None:
    vault = PasswordVault()
    assert vault.remember("p", "typed", persist=True) is True
    assert memory_keyring.entries[("bastion", "p")] == "typed"
    assert PasswordVault().lookup("p") == "typed"
    assert KeyringStore().delete("p") is True
    assert KeyringStore().delete("p") is False


def test_crash_report_is_redacted_and_private(tmp_path) -> None:
    try:
        raise RuntimeError("could not connect to postgresql://app:Zebra99x@db/shop with Qwerty42")
    except RuntimeError as exc:
        error = exc
    text = format_crash(error, {"Qwerty42"})
    assert "Zebra99x" not in text and "Qwerty42" not in text and "RuntimeError" in text
    path = write_crash_report(error, {"Qwerty42"}, folder=tmp_path)
    assert path is not None and (path.stat().st_mode & 0o777) == 0o600
    assert "Zebra99x" not in path.read_text()
