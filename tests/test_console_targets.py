"""`bastion TARGET`: a profile, PROFILE/DATABASE, a bare SQLite file, a URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.commands.console import start_profile
from tui.commands.errors import CliError
from tui.profiles import Profile, ProfileStore
from tui.secrets import PasswordVault


@pytest.fixture
def store(profiles_file: Path) -> ProfileStore:
    store = ProfileStore(profiles_file).load()
    store.put(Profile(name="staging", host="db.example", database="shop", user="app", sslmode="verify-full"))
    return store


def test_profile_slash_database_keeps_everything_but_the_database(store: ProfileStore) -> None:
    profile = start_profile("staging/reports", store, PasswordVault())
    assert profile == store.get("staging").with_changes(database="reports")
    assert start_profile("staging", store, PasswordVault()) == store.get("staging")


def test_a_bare_sqlite_path_opens_the_file(store: ProfileStore, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "app.db").execute("CREATE TABLE t (id int)").connection.close()
    monkeypatch.chdir(tmp_path)
    profile = start_profile("data/app.db", store, PasswordVault())
    assert (profile.driver, profile.path, profile.label) == ("sqlite", str(tmp_path / "data" / "app.db"), "app.db")


def test_an_existing_file_wins_over_a_profile_of_the_folder_name(store: ProfileStore, tmp_path: Path,
                                                                  monkeypatch) -> None:
    store.put(Profile(name="data", host="db.example", user="app"))
    monkeypatch.chdir(tmp_path)
    assert start_profile("data/app.db", store, PasswordVault()).database == "app.db"  # no such file: PROFILE/DB
    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "app.db").execute("CREATE TABLE t (id int)").connection.close()
    profile = start_profile("data/app.db", store, PasswordVault())
    assert (profile.driver, profile.path) == ("sqlite", str(tmp_path / "data" / "app.db"))
    assert start_profile("data/reports", store, PasswordVault()).database == "reports"


@pytest.mark.parametrize(("make", "target", "message"), [
    (None, "missing.db", "missing.db: no such file"),
    ("notes.txt", "notes.txt", "not a SQLite database"),
    (None, "nope", "no profile named 'nope'"),
])
def test_what_is_not_a_target_says_so(store: ProfileStore, tmp_path: Path, monkeypatch, make, target,
                                      message) -> None:
    monkeypatch.chdir(tmp_path)
    if make:
        (tmp_path / make).write_text("hello\n")
    with pytest.raises(CliError, match=message):
        start_profile(target, store, PasswordVault())
