"""The picker's import dialog: a file's connections previewed, then created with
their passwords in the keyring only."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.apps import make_app, wait_for_screen
from textual.widgets import Input

from tui.profiles import Profile, ProfileStore
from tui.screens.import_dialog import ImportDialog
from tui.screens.picker import PickerScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-snap-conn-import")
ENV = (
    "# the team's services\n"
    "AUTH_SERVICE__DB_URL=postgresql://auth:Xk2-auth-pw@auth-db.internal:5432/auth\n"
    "export DB_HOST=db\nDB_PORT=5432\nDB_USER=shop\nDB_PASSWORD='Qm7#shop=pw'\nDB_NAME=shop\n"
)


async def preview(pilot, source: str) -> None:
    await pilot.press("i")
    await wait_for_screen(pilot, ImportDialog)
    pilot.app.screen.query_one("#import-source", Input).value = source
    await pilot.press("enter")
    for _ in range(100):
        await pilot.pause(0.05)
        if pilot.app.screen.plan is not None or str(pilot.app.screen.query_one("#import-error").render()).strip():
            break
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_import_preview(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    env = fixed_dir / ".env"
    env.write_text(ENV)
    app = make_app(fixed_dir / "profiles.yaml", Profile(name="shop", host="old.example", user="shop"))
    assert snap_compare(app, run_before=lambda pilot: preview(pilot, str(env)), terminal_size=size)


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
