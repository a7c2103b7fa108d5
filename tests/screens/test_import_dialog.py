"""The picker's import dialog: a file's or a paste's connections previewed, then
created with their passwords in the keyring only."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.apps import make_app, wait_for_screen
from textual import events

from tui.profiles import Profile, ProfileStore
from tui.screens.import_dialog import ImportDialog, SourceArea
from tui.screens.picker import PickerScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-snap-conn-import")
ENV = (
    "# the team's services\n"
    "AUTH_SERVICE__DB_URL=postgresql://auth:Xk2-auth-pw@auth-db.internal:5432/auth\n"
    "export DB_HOST=db\nDB_PORT=5432\nDB_USER=shop\nDB_PASSWORD='Qm7#shop=pw'\nDB_NAME=shop\n"
)
# What people copy from a wiki or a terminal: CRLF, `export`, quotes, several variables on a line.
PASTE = (
    "# from the team wiki\r\n"
    "export AUTH_SERVICE__DB_URL=\"postgresql://auth:Xk2-auth-pw@auth-db.internal:5432/auth\"\r\n"
    "DB_HOST=db DB_PORT=5432 DB_USER=shop DB_PASSWORD='Qm7#shop=pw' DB_NAME=shop\r\n"
)


async def preview(pilot, source: str, paste: bool = False) -> None:
    await pilot.press("i")
    await wait_for_screen(pilot, ImportDialog)
    area = pilot.app.screen.query_one("#import-source", SourceArea)
    if paste:  # as the terminal delivers a bracketed paste: one event to the app, every line
        pilot.app.post_message(events.Paste(source))
        await pilot.pause(0.1)
    else:
        area.text = source
    await pilot.press("enter")
    for _ in range(100):
        await pilot.pause(0.05)
        if pilot.app.screen.plan is not None or str(pilot.app.screen.query_one("#import-error").render()).strip():
            break
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_import_preview(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    app = make_app(fixed_dir / "profiles.yaml", Profile(name="shop", host="old.example", user="shop"))
    assert snap_compare(app, run_before=lambda pilot: preview(pilot, PASTE, paste=True), terminal_size=size)


async def test_enter_again_creates_the_profiles_with_passwords_in_the_keyring(
    tmp_path: Path, profiles_file: Path, memory_keyring, isolated_env: Path
) -> None:
    env = tmp_path / ".env"
    env.write_text(ENV)
    app = make_app(profiles_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await preview(pilot, str(env))
        assert [p.name for p in app.screen.plan.profiles] == ["auth-service", "shop"]
        await pilot.press("enter")
        await wait_for_screen(pilot, PickerScreen)
        for _ in range(100):
            if len(ProfileStore(profiles_file).load().names()) == 2:
                break
            await pilot.pause(0.05)
    assert ProfileStore(profiles_file).load().names() == ["auth-service", "shop"]
    assert memory_keyring.entries == {("bastion", "auth-service"): "Xk2-auth-pw", ("bastion", "shop"): "Qm7#shop=pw"}
    written = [p for p in [profiles_file, *isolated_env.rglob("*")] if p.is_file()]
    assert not [p for p in written if b"Xk2-auth-pw" in p.read_bytes() or b"Qm7#shop" in p.read_bytes()]


async def test_a_multi_line_paste_is_read_whole_and_its_passwords_go_to_the_keyring(
    profiles_file: Path, memory_keyring, isolated_env: Path
) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await preview(pilot, PASTE, paste=True)
        assert app.screen.query_one(SourceArea).text == PASTE.replace("\r\n", "\n").rstrip()
        assert [(p.name, p.item.origin) for p in app.screen.plan.profiles] == [
            ("auth-service", "AUTH_SERVICE__DB_URL in pasted text:2"),
            ("shop", "DB_HOST, DB_NAME, DB_PASSWORD, DB_PORT, DB_USER in pasted text:3")]
        preview_text = str(app.screen.query_one("#import-preview").render())
        assert "hint: host 'db' is a docker-compose service name" in preview_text
        await pilot.press("enter")
        await wait_for_screen(pilot, PickerScreen)
        for _ in range(100):
            if len(ProfileStore(profiles_file).load().names()) == 2:
                break
            await pilot.pause(0.05)
    assert ProfileStore(profiles_file).load().get("shop").host == "db"
    assert memory_keyring.entries == {("bastion", "auth-service"): "Xk2-auth-pw", ("bastion", "shop"): "Qm7#shop=pw"}
    written = [p for p in [profiles_file, *isolated_env.rglob("*")] if p.is_file()]
    assert not [p for p in written if b"Xk2-auth-pw" in p.read_bytes() or b"Qm7#shop" in p.read_bytes()]


async def test_a_paste_without_a_connection_says_what_was_looked_for(profiles_file: Path) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await preview(pilot, "DEBUG=1\nLOG_LEVEL=info\n", paste=True)
        error = str(app.screen.query_one("#import-error").render())
        assert "pasted text: no connection found (looked for" in error and "DATABASE_URL" in error
        assert app.screen.plan is None
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)
    assert not profiles_file.exists()


async def test_a_bad_file_says_why_and_creates_nothing(tmp_path: Path, profiles_file: Path) -> None:
    env = tmp_path / "half.env"
    env.write_text("DB_HOST=db.example\nDB_NAME=shop\n")
    app = make_app(profiles_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await preview(pilot, str(env))
        assert "half.env:1: DB_HOST is set but no user" in str(app.screen.query_one("#import-error").render())
        await pilot.press("enter", "escape")
        await wait_for_screen(pilot, PickerScreen)
    assert not profiles_file.exists()
