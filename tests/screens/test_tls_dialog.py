"""TLS advice from the picker, and edits through the UI that keep the user's
profiles file as written (comments, blank lines, order): only the changed lines differ."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from helpers.apps import FIXED_ENV, wait_for_screen
from textual.widgets import Input

from tui.app import BastionApp
from tui.profiles import ProfileStore
from tui.screens.picker import PickerScreen
from tui.screens.profile_form import ProfileFormScreen
from tui.screens.tls_dialog import TlsAdviceDialog
from tui.settings import Settings

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_DIR = Path("/tmp/bastion-snap-conn-tls")
COMMENTED = """\
# Our databases. Passwords live in the keyring.

profiles:
  # The reporting replica on RDS (read-only).
  reports:
    host: reports.c9akciq32.eu-west-1.rds.amazonaws.com   # the reader endpoint
    database: reports
    user: analyst
    sslmode: require          # "the CA doesn't work" (2023)
    read_only: yes
    team: data                # not a bastion key

  # Local copy.
  lite:
    driver: sqlite
    path: /tmp/lite.db
"""


def app_over(folder: Path) -> BastionApp:
    path = folder / "profiles.yaml"
    path.write_text(COMMENTED)
    return BastionApp(ProfileStore(path).load(), settings=Settings(path=folder / "settings.yaml"),
                      environ=FIXED_ENV)


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


async def open_advice(pilot) -> None:
    await pilot.press("down", "v")  # the second row: reports
    await wait_for_screen(pilot, TlsAdviceDialog)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES)
def test_tls_advice(snap_compare, fixed_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_over(fixed_dir), run_before=open_advice, terminal_size=size)


async def test_accepting_the_downloaded_ca_sets_verify_full_and_keeps_the_file_as_written(tmp_path: Path) -> None:
    bundle = tmp_path / "rds-global-bundle.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    app = app_over(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_advice(pilot)
        field = app.screen.query_one("#tls-rootcert", Input)
        field.value = str(tmp_path / "missing.pem")
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        assert "Cannot read" in str(app.screen.query_one("#tls-error").render())
        field.value = str(bundle)
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, PickerScreen)
    after = (tmp_path / "profiles.yaml").read_text()
    assert changed_lines(COMMENTED, after) == [
        '-    sslmode: require          # "the CA doesn\'t work" (2023)',
        '+    sslmode: verify-full      # "the CA doesn\'t work" (2023)',
        f"+    sslrootcert: {bundle}",
    ]
    assert after.index("sslrootcert") < after.index("# Local copy.")


async def test_an_edit_in_the_profile_form_changes_only_its_line(tmp_path: Path) -> None:
    app = app_over(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "e")
        await wait_for_screen(pilot, ProfileFormScreen)
        app.screen.query_one("#f-database", Input).value = "reports_v2"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, PickerScreen)
    assert changed_lines(COMMENTED, (tmp_path / "profiles.yaml").read_text()) == [
        "-    database: reports", "+    database: reports_v2"]
