"""Keyring access with timeouts and fallback, and redaction."""

from __future__ import annotations

import threading
from pathlib import Path

import keyring
import pytest
from conftest import SuiteKeyring
from helpers.pilot import until

from tui.crash import format_crash, write_crash_report
from tui.secrets import KeyringStore, KeyringUnavailable, PasswordVault, redact, redact_sql
from tui.services.query.autosave import EditorAutosave
from tui.services.query.history import HistoryStore


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


# ---------------------------------------------------------------------------
# No password literal reaches disk: editor autosave and history
# ---------------------------------------------------------------------------

PASSWORD_STATEMENTS = [
    "CREATE ROLE app LOGIN PASSWORD 'Zq-secret-1'",
    "alter user app with password 'it''s-Zq-secret-1'",
    "ALTER ROLE app PASSWROD 'Zq-secret-1'",  # a typo'd keyword
    "ALTR ROLE app PASWORD 'Zq-secret-1'",
    "ALTER ROLE app ENCRYPTED PASSWORD E'Zq-secret-1\\'x'",
    "alter role app password $pw$Zq-secret-1$pw$",
    "ALTER ROLE app WITH LOGIN VALID UNTIL 'infinity' PASSWORD 'Zq-secret-1'",
    "CREATE USER app; ALTER USER app PASSWORD 'Zq-secret-1'",
    "select 1; -- the password is Zq-secret-1",
    "/* passwd: Zq-secret-1 */ select 2",
    "\\password app Zq-secret-1",
    "select dblink_connect('host=db user=app password=Zq-secret-1 dbname=x')",
    "select * from dblink('postgresql://app:Zq-secret-1@db/x', 'select 1') as t(a int)",
    "CREATE SUBSCRIPTION s CONNECTION 'host=a password=''Zq-secret-1''' PUBLICATION p",
    "CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'Zq-secret-1')",
    "DO $$ BEGIN EXECUTE format('ALTER ROLE x PASSWORD %L', 'Zq-secret-1'); END $$",
    "ALTER ROLE app PASSWORD 'Zq-secret-1",  # unterminated while typing
]


@pytest.mark.parametrize("sql", PASSWORD_STATEMENTS)
def test_redact_sql_masks_every_password_literal(sql: str) -> None:
    redacted = redact_sql(sql)
    assert "Zq-secret-1" not in redacted and "***" in redacted


@pytest.mark.parametrize(
    "sql",
    [
        "select * from orders where note = 'Zq-keep' and id = $1",
        "SELECT * FROM users WHERE name = 'Zq-keep'",
        "insert into t values (E'Zq-keep'); alter role app password 'x'",
        "create function f() returns text language sql as $$ select 'Zq-keep' $$",
    ],
)
def test_redact_sql_leaves_ordinary_literals(sql: str) -> None:
    assert "Zq-keep" in redact_sql(sql)


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file() and secret.encode() in path.read_bytes()]


def test_autosave_and_history_never_write_a_password(isolated_env: Path) -> None:
    buffer = "\n".join(f"{sql};" for sql in PASSWORD_STATEMENTS)
    saved = EditorAutosave("prod")
    masked = []
    saved.on_redacted = lambda: masked.append(True)
    saved.save_now(buffer)
    history = HistoryStore("prod")
    for sql in PASSWORD_STATEMENTS:
        history.add(sql, 0.1, 0, False, f'syntax error at or near "{sql}"')
    assert saved.path.exists() and history.path.exists()
    assert files_containing(isolated_env, "Zq-secret-1") == []
    assert masked == [True] and history.take_redacted() and not history.take_redacted()
    assert "select 2" in saved.load()  # the rest of the buffer is kept


def test_an_old_autosave_with_a_password_is_scrubbed_when_loaded(isolated_env: Path) -> None:
    saved = EditorAutosave("prod")
    saved.path.parent.mkdir(parents=True)
    saved.path.write_text("ALTER ROLE app PASSWORD 'Zq-secret-1';\nselect 1;\n")
    assert "Zq-secret-1" in saved.load()  # this session's editor still shows it
    assert files_containing(isolated_env, "Zq-secret-1") == []


async def test_query_pane_writes_no_password_and_says_so(isolated_env: Path, socket_profile) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Static, TextArea

    from tui.db import open_database
    from tui.widgets.query.pane import QueryPane

    class PaneApp(App[None]):
        def compose(self) -> ComposeResult:
            yield QueryPane(database, socket_profile)

    database = open_database(socket_profile)
    app = PaneApp()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            pane = app.query_one(QueryPane)
            editor = app.query_one(TextArea)
            editor.focus()
            # Typed as a user would, with the keyword misspelt; the role does not exist.
            await pilot.press(*"ALTER ROLE nobody_here PASSWROD 'Zq-secret-1'")
            status = app.query_one("#query-status", Static)
            await until(pilot, lambda: "autosaved with a password redacted" in str(status.content))
            assert "Zq-secret-1" in editor.text  # the editor keeps what was typed
            editor.text = "alter role nobody_here password 'Zq-secret-1'"
            editor.cursor_location = (0, 0)
            await pilot.press("ctrl+j")
            await until(pilot, lambda: not pane.running and bool(pane.outcomes))
            await until(pilot, lambda: "saved to history with a password redacted" in str(status.content))
    finally:
        database.close()
    assert files_containing(isolated_env, "Zq-secret-1") == []


def test_a_quote_being_typed_above_a_password_statement_masks_it_too() -> None:
    # The open quote on line 1 makes the lexer read line 2's literal as code.
    buffer = "ALTER ROLE a PASSWORD 'Zq-secret-1\nALTER ROLE b PASSWORD 'Zq-secret-2';\nselect 'x';\n"
    redacted = redact_sql(buffer)
    assert "Zq-secret-1" not in redacted and "Zq-secret-2" not in redacted
    assert redact_sql("select 'it''s'; select ''''") == "select 'it''s'; select ''''"
