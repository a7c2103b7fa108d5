"""The app over a profiles file, for pilot tests."""

from __future__ import annotations

from pathlib import Path

from tui.app import BastionApp
from tui.profiles import Profile, ProfileStore
from tui.secrets import PasswordVault
from tui.settings import Settings

FIXED_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}


def make_app(profiles_file: Path, *profiles: Profile, vault: PasswordVault | None = None,
             start: Profile | None = None) -> BastionApp:
    store = ProfileStore(profiles_file).load()
    for profile in profiles:
        store.put(profile)
    return BastionApp(store, vault or PasswordVault(), Settings(path=profiles_file.parent / "settings.yaml"),
                      start_profile=start, environ=FIXED_ENV)


async def wait_for_screen(pilot, screen_type: type, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if isinstance(pilot.app.screen, screen_type):
            return
        await pilot.pause(0.05)
    raise AssertionError(f"expected {screen_type.__name__}, on {pilot.app.screen!r}")
