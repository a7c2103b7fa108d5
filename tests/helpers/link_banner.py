"""The connection-lost banner, for tests that cut the link."""

from __future__ import annotations

from pathlib import Path

from tui.app import BastionApp
from tui.profiles import ProfileStore
from tui.settings import Settings
from tui.widgets.link_banner import LinkBanner

FIXED_ENV = {"TERM": "xterm-256color", "COLORTERM": "truecolor"}


def make_app(folder: Path) -> BastionApp:
    return BastionApp(ProfileStore(folder / "profiles.yaml").load(), settings=Settings(),
                      theme_name="bastion-dark", environ=FIXED_ENV)


async def wait_until(pilot, condition, timeout: float = 15.0, what: str = "condition") -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


def banner_of(app) -> LinkBanner:
    return app.screen.query_one(LinkBanner)


def banner_shown(app) -> bool:
    """Shown and laid out: before its first layout the banner has no width and
    would shorten the reason to nothing."""
    banner = banner_of(app)
    return banner.display and banner.size.width > 0


def banner_text(app) -> str:
    return str(banner_of(app).render())
