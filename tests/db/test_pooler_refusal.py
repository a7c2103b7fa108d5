"""A PgBouncer that refuses its admin console to the profile's user: connecting
says which pgbouncer.ini setting grants it, from the picker and from
`bastion profiles test`; a stats-only user opens the console read-only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from helpers.pilot import until
from helpers.topology_rig import PgBouncer, pgbouncer_console_users  # noqa: F401  (fixture)
from textual.widgets import Static

from tui.app import BastionApp
from tui.cli import main
from tui.db import ConnectFailure, open_database
from tui.db.base import ServerInfo
from tui.db.pgbouncer import learn_pool_mode
from tui.db.postgres import connection_params
from tui.profiles import Profile, ProfileStore
from tui.screens.connect import ConnectScreen
from tui.services.pooler import PoolerConsole, PoolerError
from tui.settings import Settings
from tui.widgets.connection_header import header_text


def console_profile(bouncer: PgBouncer, user: str) -> Profile:
    return Profile(name="edge-pooler", host="127.0.0.1", port=bouncer.port, database="pgbouncer", user=user,
                   password="keyring", sslmode="disable")


def test_a_user_the_console_refuses_is_told_which_setting_grants_it(
        pgbouncer_console_users: PgBouncer) -> None:  # noqa: F811
    with pytest.raises(ConnectFailure) as caught:
        open_database(console_profile(pgbouncer_console_users, "app"), "app-pw")
    failure = caught.value
    assert not failure.wants_password  # the password was right: no prompt again
    assert "app" in failure.message and "admin console" in failure.message
    assert "admin_users" in failure.hint and "stats_users" in failure.hint and "pgbouncer.ini" in failure.hint
    # The same user through the pooler to a database: the header's pool mode is unknown, and says so.
    pooled = replace(console_profile(pgbouncer_console_users, "app"), database="postgres")
    assert learn_pool_mode(connection_params(pooled, "app-pw", None), pooled, None) == "unknown"
    info = ServerInfo(kind="postgresql", version="15", pooler="pgbouncer", pool_mode="unknown")
    assert "via pgbouncer · pool mode unknown" in str(header_text(pooled, info))


def test_profiles_test_names_the_refusal(pgbouncer_console_users: PgBouncer, profiles_file: Path,  # noqa: F811
                                         memory_keyring, capsys) -> None:  # type: ignore[no-untyped-def]
    ProfileStore(profiles_file).load().put(console_profile(pgbouncer_console_users, "app"))
    memory_keyring.set_password("bastion", "edge-pooler", "app-pw")
    code = main(["profiles", "--profiles", str(profiles_file), "test", "edge-pooler"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL  auth" in out
    assert "admin console" in out and "admin_users" in out and "stats_users" in out
    assert "Traceback" not in out


def test_profiles_test_of_a_stats_only_user(pgbouncer_console_users: PgBouncer, profiles_file: Path,  # noqa: F811
                                            memory_keyring, capsys) -> None:  # type: ignore[no-untyped-def]
    ProfileStore(profiles_file).load().put(console_profile(pgbouncer_console_users, "watcher"))
    memory_keyring.set_password("bastion", "edge-pooler", "watcher-pw")
    code = main(["profiles", "--profiles", str(profiles_file), "test", "edge-pooler"])
    out = capsys.readouterr().out
    assert code == 0 and "PgBouncer" in out and "read-only" in out and "admin_users" in out, out


async def test_the_picker_says_why_the_console_refused(pgbouncer_console_users: PgBouncer,  # noqa: F811
                                                       tmp_path: Path, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.set_password("bastion", "edge-pooler", "app-pw")
    app = BastionApp(ProfileStore(tmp_path / "profiles.yaml").load(), settings=Settings(),
                     theme_name="bastion-dark", environ={"TERM": "xterm-256color", "COLORTERM": "truecolor"})
    async with app.run_test(size=(120, 40)) as pilot:
        app.connect(console_profile(pgbouncer_console_users, "app"))
        await until(pilot, lambda: isinstance(app.screen, ConnectScreen) and any(
            "admin console" in str(error.render()) for error in app.screen.query("#connect-error")), timeout=15)
        hint = str(app.screen.query_one("#connect-hint", Static).render())
        assert "admin_users" in hint and "stats_users" in hint
        assert isinstance(app.screen, ConnectScreen)  # no password prompt: the password was right


def test_a_refused_command_makes_the_console_read_only(pgbouncer_console_users: PgBouncer) -> None:  # noqa: F811
    # Before any snapshot SHOW CONFIG was not read: PgBouncer's own refusal teaches it.
    console = PoolerConsole(psycopg.connect(pgbouncer_console_users.conninfo("pgbouncer", user="watcher")))
    try:
        with pytest.raises(PoolerError, match="admin_users in pgbouncer.ini"):
            console.command("PAUSE", "pgbouncer")
        assert console.may_act is False and "stats_users" in console.snapshot().read_only
    finally:
        console.close()


def test_the_header_of_a_stats_only_console_says_read_only(pgbouncer_console_users: PgBouncer) -> None:  # noqa: F811
    database = open_database(console_profile(pgbouncer_console_users, "watcher"), "watcher-pw")
    try:
        assert database.info.read_only and database.info.current_user == "watcher"
    finally:
        database.close()
    admin = open_database(console_profile(pgbouncer_console_users, pgbouncer_console_users.user),
                          pgbouncer_console_users.password)
    try:
        assert not admin.info.read_only
    finally:
        admin.close()

