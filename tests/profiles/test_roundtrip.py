"""Saving the profiles file keeps what a person wrote: comments, blank lines, key
order, quoting, unknown keys. Only the lines of the change differ."""

from __future__ import annotations

import difflib
import stat
from pathlib import Path

from tui.profiles import Profile, ProfileStore, SshConfig

COMMENTED = """\
# Team profiles: keep in the dotfiles repo.
# Ask #ops before adding production ones.

profiles:
  # The staging box, rebuilt every Monday.
  staging:
    host: db.staging.example   # behind the VPN
    port: "5432"
    database: app
    read_only: yes
    owner_team: payments       # not a bastion key: kept

  # Production: read-only unless on call.
  prod:
    host: db.prod.example
    user: ops
    production: true
    ssh:
      host: jump               # ~/.ssh/config alias

  # Local SQLite copy.
  local:
    driver: sqlite
    path: /tmp/app.db
# end of profiles
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def load(path: Path) -> ProfileStore:
    path.write_text(COMMENTED)
    return ProfileStore(path).load()


def test_an_edit_changes_only_its_line(profiles_file: Path) -> None:
    store = load(profiles_file)
    store.put(store.get("staging").with_changes(database="shop"))
    assert changed_lines(COMMENTED, profiles_file.read_text()) == ["-    database: app", "+    database: shop"]
    assert stat.S_IMODE(profiles_file.stat().st_mode) == 0o600
    assert profiles_file.with_name("profiles.yaml.bak").read_text() == COMMENTED


def test_a_new_key_goes_under_the_profile_and_a_new_profile_above_the_closing_comment(profiles_file: Path) -> None:
    store = load(profiles_file)
    store.put(store.get("prod").with_changes(ssh=SshConfig(host="jump", user="ops")))
    store.put(Profile(name="new", host="h"))
    assert changed_lines(COMMENTED, profiles_file.read_text()) == [
        "+      user: ops", "+  new:", "+    host: h"]
    text = profiles_file.read_text()
    assert text.index("user: ops") < text.index("# Local SQLite copy.")
    assert text.rstrip().endswith("# end of profiles")


def test_rename_keeps_place_and_comments_and_remove_keeps_the_next_comment(profiles_file: Path) -> None:
    store = load(profiles_file)
    store.put(store.get("staging").with_changes(name="stage"), replace_name="staging")
    store.remove("prod")
    assert changed_lines(COMMENTED, profiles_file.read_text()) == [
        "-  staging:", "+  stage:",
        "-  # Production: read-only unless on call.", "-  prod:", "-    host: db.prod.example",
        "-    user: ops", "-    production: true", "-    ssh:", "-      host: jump               # ~/.ssh/config alias",
        "-",
    ]
    reloaded = ProfileStore(profiles_file).load()
    assert reloaded.names() == ["local", "stage"] and reloaded.errors() == []
    assert reloaded.get("stage").extra == {"owner_team": "payments"}


def test_removing_the_first_profile_moves_the_next_comment_up(profiles_file: Path) -> None:
    store = load(profiles_file)
    store.remove("staging")
    text = profiles_file.read_text()
    assert "The staging box" not in text
    assert "  # Production: read-only unless on call.\n  prod:" in text


def test_validation_after_a_save_still_points_at_lines(profiles_file: Path) -> None:
    store = load(profiles_file)
    store.put(store.get("local").with_changes(label="Local"))
    text = profiles_file.read_text().replace("user: ops", "user: ops\n    sslmode: sometimes")
    profiles_file.write_text(text)
    problem = ProfileStore(profiles_file).load().errors()[0]
    assert problem.line == text.splitlines().index("    sslmode: sometimes") + 1
    assert f"{profiles_file}:{problem.line}:" in str(problem)
