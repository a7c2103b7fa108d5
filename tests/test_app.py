"""The app driven like a user would: picker, form, connect, passwords, workspace."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.apps import FIXED_ENV, make_app, wait_for_screen
from helpers.pilot import until
from textual.widgets import DataTable, Input

from tui.app import BastionApp
from tui.demo.cluster import LocalCluster, free_port
from tui.profiles import Profile, ProfileStore, SshConfig
from tui.screens.connect import ConnectScreen
from tui.screens.help import HelpScreen
from tui.screens.password import PasswordScreen
from tui.screens.picker import PickerScreen
from tui.screens.profile_form import ProfileFormScreen
from tui.screens.workspace import WorkspaceScreen
from tui.secrets import PasswordVault
from tui.services.query.autosave import EditorAutosave, buffer_autosaves
from tui.services.query.history import HistoryStore
from tui.settings import Settings
from tui.widgets.dialogs.confirm import ConfirmScreen


async def type_text(pilot, text: str) -> None:
    for char in text:
        await pilot.press(char)


async def test_picker_lists_profiles_and_problems(profiles_file: Path) -> None:
    profiles_file.write_text("profiles:\n  good:\n    host: db.example.internal\n    production: true\n"
                             "  bad:\n    driver: oracle\n")
    app = make_app(profiles_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        problems = str(app.screen.query_one("#picker-problems").render())
        assert "unknown driver 'oracle'" in problems and ":6" in problems


async def test_add_profile_with_the_form(profiles_file: Path) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await pilot.press("a")
        await wait_for_screen(pilot, ProfileFormScreen)
        await type_text(pilot, "analytics")
        app.screen.query_one("#f-host", Input).value = "warehouse.example.internal"
        app.screen.query_one("#f-port", Input).value = "5439"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, PickerScreen)
    saved = ProfileStore(profiles_file).load().get("analytics")
    assert (saved.host, saved.port) == ("warehouse.example.internal", 5439)


async def test_the_form_sets_and_removes_an_ssh_tunnel(profiles_file: Path) -> None:
    kept = Profile(name="prod", host="db.internal.example",
                   ssh=SshConfig(host="old-jump", jump="edge.example", options=("ServerAliveInterval=5",)))
    app = make_app(profiles_file, kept)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await pilot.press("e")
        await wait_for_screen(pilot, ProfileFormScreen)
        app.screen.query_one("#f-ssh-host", Input).value = "jump.example"
        app.screen.query_one("#f-ssh-port", Input).value = "2222"
        app.screen.query_one("#f-ssh-identity_file", Input).value = "~/.ssh/id_ed25519"
        await pilot.press("ctrl+s")
        await wait_for_screen(pilot, PickerScreen)
        # The file is written by a worker off the UI thread: the picker may show before it lands.
        await until(pilot, lambda: ProfileStore(profiles_file).load().get("prod").ssh.host == "jump.example")
        saved = ProfileStore(profiles_file).load().get("prod")
        # The keys the form does not show (jump, options) are kept.
        assert saved.ssh == SshConfig(host="jump.example", port=2222, identity_file="~/.ssh/id_ed25519",
                                      jump="edge.example", options=("ServerAliveInterval=5",))
        await pilot.press("e")
        await wait_for_screen(pilot, ProfileFormScreen)
        app.screen.query_one("#f-ssh-host", Input).value = "-oProxyCommand=evil"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProfileFormScreen)
        assert "ssh.host: unsafe" in str(app.screen.query_one("#form-errors").render())
        assert app.screen.query_one("#row-ssh-host").has_class("-invalid")


async def test_form_validation_error_keeps_the_form_and_saves_nothing(profiles_file: Path) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await wait_for_screen(pilot, ProfileFormScreen)
        await type_text(pilot, "bad name!")
        app.screen.query_one("#f-port", Input).value = "fifty"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ProfileFormScreen)
        errors = str(app.screen.query_one("#form-errors").render())
        assert "name: use letters" in errors
        assert app.screen.query_one("#row-name").has_class("-invalid")
    assert not profiles_file.exists()


async def test_connect_with_keyring_password_opens_the_workspace(
    profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster, memory_keyring
) -> None:
    memory_keyring.set_password("bastion", pg_profile.name, pg_cluster.password)
    app = make_app(profiles_file, pg_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await pilot.press("enter")
        await wait_for_screen(pilot, WorkspaceScreen)
        header = str(app.screen.query_one("#connection-header").render())
        assert "testdb" in header and "PostgreSQL" in header and pg_cluster.password not in header


async def test_wrong_password_is_asked_again_and_never_stored(
    profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster, memory_keyring
) -> None:
    app = make_app(profiles_file, pg_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for_screen(pilot, PasswordScreen)
        await type_text(pilot, "wrong-password")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PasswordScreen) and app.screen.query(".dialog-error")
                    and "rejected" in str(app.screen.query_one(".dialog-error").render()), timeout=10)
        assert memory_keyring.entries == {}
        await type_text(pilot, pg_cluster.password)
        await pilot.press("enter")
        await wait_for_screen(pilot, WorkspaceScreen)
    assert memory_keyring.entries == {("bastion", "testdb"): pg_cluster.password}


async def test_without_a_keyring_the_password_is_prompted_and_kept_in_memory(
    profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster, no_keyring
) -> None:
    vault = PasswordVault()
    app = make_app(profiles_file, pg_profile, vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for_screen(pilot, PasswordScreen)
        assert "No usable OS keyring" in str(app.screen.query_one(".dialog-note").render())
        await type_text(pilot, pg_cluster.password)
        await pilot.press("enter")
        await wait_for_screen(pilot, WorkspaceScreen)
        notes = [n.message for n in app._notifications]
        assert sum("No usable OS keyring" in n for n in notes) == 1
    assert vault.lookup(pg_profile.name) == pg_cluster.password
    assert pg_cluster.password.encode() not in profiles_file.read_bytes()


async def test_cancelling_the_password_prompt_returns_to_the_picker(
    profiles_file: Path, pg_profile: Profile, memory_keyring
) -> None:
    app = make_app(profiles_file, pg_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for_screen(pilot, PasswordScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)


async def test_unreachable_host_shows_the_error_and_the_app_keeps_running(profiles_file: Path) -> None:
    gone = Profile(name="gone", host="127.0.0.1", port=free_port(), password="none", connect_timeout=2)
    app = make_app(profiles_file, gone)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for_screen(pilot, ConnectScreen)
        for _ in range(100):
            if "refused" in str(app.screen.query_one("#connect-error").render()):
                break
            await pilot.pause(0.05)
        assert "Connection refused" in str(app.screen.query_one("#connect-error").render())
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)
        assert app.is_running


async def test_missing_sqlite_file_is_a_clear_error(profiles_file: Path, tmp_path: Path) -> None:
    lite = Profile(name="lite", driver="sqlite", path=str(tmp_path / "absent.db"))
    app = make_app(profiles_file, lite)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await wait_for_screen(pilot, ConnectScreen)
        for _ in range(100):
            if "not found" in str(app.screen.query_one("#connect-error").render()):
                break
            await pilot.pause(0.05)
        assert "SQLite file not found" in str(app.screen.query_one("#connect-error").render())
    assert not (tmp_path / "absent.db").exists()


async def test_production_delete_needs_the_name_typed(profiles_file: Path) -> None:
    prod = Profile(name="prod", host="db.example.internal", production=True)
    app = make_app(profiles_file, prod)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")  # not enough on a production profile
        assert isinstance(app.screen, ConfirmScreen)
        await type_text(pilot, "pro")
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one(Input).value = "prod"
        await pilot.press("enter")
        await wait_for_screen(pilot, PickerScreen)
    assert ProfileStore(profiles_file).load().names() == []


async def test_production_workspace_is_marked(profiles_file: Path, socket_profile: Profile) -> None:
    prod = socket_profile.with_changes(production=True, read_only=True)
    app = make_app(profiles_file, start=prod)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        assert app.screen.has_class("-production")
        header = str(app.screen.query_one("#connection-header").render())
        assert "PRODUCTION" in header and "READ-ONLY" in header


async def test_help_palette_and_back_to_profiles(profiles_file: Path, socket_profile: Profile) -> None:
    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await pilot.press("f1")
        await wait_for_screen(pilot, HelpScreen)
        await pilot.press("escape")
        await pilot.press("3")
        assert app.screen.query_one("#panes").active == "migrations"
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Reconnect" in commands and "Switch to local" in commands
        assert "Theme: bastion-ansi16" in commands
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, PickerScreen)


async def test_theme_choice_persists(profiles_file: Path) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "bastion-dark"
        app.theme = "bastion-light"
        # Saved by a worker thread: wait for the file (a fixed pause lost the race under load).
        settings = profiles_file.parent / "settings.yaml"
        await until(pilot, lambda: settings.exists() and Settings.load(settings).theme == "bastion-light")
    assert Settings.load(profiles_file.parent / "settings.yaml").theme == "bastion-light"


async def test_a_keymap_in_the_settings_changes_a_key(profiles_file: Path) -> None:
    settings_file = profiles_file.parent / "settings.yaml"
    settings_file.write_text("theme: bastion-dark\nkeymap:\n  picker.add: n\n  app.help: [f1, h]\n"
                             "  picker.edit: 'ctrl + e'\n  picker.typo: x\n")
    settings = Settings.load(settings_file)
    assert settings.keymap == {"picker.add": "n", "app.help": "f1,h", "picker.typo": "x"}
    app = BastionApp(ProfileStore(profiles_file).load(), PasswordVault(), settings, environ=FIXED_ENV)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await pilot.press("a")  # the old key does nothing now
        await pilot.pause()
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("n")
        await wait_for_screen(pilot, ProfileFormScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)
        await pilot.press("h")
        await wait_for_screen(pilot, HelpScreen)
        help_text = "\n".join(str(static.render()) for static in app.screen.query(".dialog-scroll Static"))
        assert "  n              Add\n" in help_text and "  f1, h          Help\n" in help_text
        await until(pilot, lambda: any("picker.typo" in n.message for n in app._notifications))
        notes = [n.message for n in app._notifications]
        assert any("'picker.edit': expected keys like" in note and "ignored" in note for note in notes), notes
        assert any("'picker.typo' names no key binding" in note for note in notes), notes
        app.theme = "bastion-light"  # saving the theme keeps the keymap as written
        await until(pilot, lambda: Settings.load(settings_file).theme == "bastion-light")
    assert "picker.typo: x" in settings_file.read_text() and Settings.load(settings_file).keymap["picker.add"] == "n"


@pytest.mark.parametrize("environ", [{"TERM": "screen"}, {"TERM": "xterm-16color"}, {"TERM": "putty"},
                                     {"TERM": "xterm-256color", "NO_COLOR": "1"}])
async def test_ansi_theme_on_a_16_colour_terminal(profiles_file: Path, environ: dict[str, str]) -> None:
    store = ProfileStore(profiles_file).load()
    app = BastionApp(store, settings=Settings(), environ=environ)
    async with app.run_test(size=(80, 24)):
        assert app.theme == "bastion-ansi16"


async def test_no_color_strips_every_colour_from_the_ansi_theme(
    profiles_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.filter import Monochrome, NoColor

    monkeypatch.setenv("NO_COLOR", "1")
    app = BastionApp(ProfileStore(profiles_file).load(), settings=Settings(), environ={"TERM": "xterm-256color"})
    async with app.run_test(size=(80, 24)):
        assert app.theme == "bastion-ansi16"
        assert any(isinstance(f, NoColor) for f in app._filters)
        assert not any(isinstance(f, Monochrome) for f in app._filters)


async def test_a_bad_user_theme_is_a_warning(profiles_file: Path, isolated_env: Path) -> None:
    folder = isolated_env / "xdg_config_home" / "bastion" / "themes"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("name: broken\nprimary: not-a-colour\n")
    (folder / "mine.yaml").write_text("name: mine\nprimary: '#123456'\n")
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)):
        assert "mine" in app.available_themes and "broken" not in app.available_themes
        assert any("broken.yaml" in n.message for n in app._notifications)


async def test_an_unexpected_error_writes_a_redacted_crash_report(profiles_file: Path, isolated_env: Path) -> None:
    vault = PasswordVault()
    vault.note("Secr3tPassw0rd")
    app = make_app(profiles_file, vault=vault)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            def explode() -> None:
                raise RuntimeError("boom postgresql://u:Secr3tPassw0rd@h/d and Secr3tPassw0rd")

            app.call_later(explode)
            await pilot.pause(0.2)
    assert app.crash_report is not None and app.crash_report.is_file()
    report = app.crash_report.read_text()
    assert "RuntimeError: boom" in report and "Secr3tPassw0rd" not in report
    assert str(isolated_env) in str(app.crash_report)


async def test_switching_panes_gives_them_the_keys(profiles_file: Path, socket_profile: Profile) -> None:
    from textual.widgets import TextArea

    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await pilot.pause(0.3)
        await pilot.press("2")
        await pilot.press(*"select 1")
        assert app.screen.query_one("#sql-editor", TextArea).text.startswith("select 1")
        await pilot.press("escape", "4")
        await until(pilot, lambda: app.focused is not None and app.focused.id == "sessions", timeout=10)
        await pilot.press("1")
        await until(pilot, lambda: type(app.focused).__name__ == "DataGrid", timeout=10)
        await until(pilot, lambda: not app._batch_count)  # the 50 ms hold on output is over


@pytest.mark.parametrize("target", ["3", "4", "1"])
async def test_a_digit_from_the_query_results_switches_panes(profiles_file: Path, socket_profile: Profile,
                                                             target: str) -> None:
    """The results grid had the focus: hiding it must not pull the Query pane back."""
    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await pilot.pause(0.3)
        await pilot.press("2")
        await pilot.press(*"select 1", "ctrl+j")
        pane = app.screen.query_one("QueryPane")
        await until(pilot, lambda: not pane.running and bool(pane.outcomes), timeout=10)
        await pilot.press("f2")  # into the results
        assert type(app.focused).__name__ == "ResultGrid"
        await pilot.press(target)
        expected = {"3": "migrations", "4": "activity", "1": "browse"}[target]
        await until(pilot, lambda: app.focused is not None
                    and expected in [a.id for a in app.focused.ancestors_with_self], timeout=10)
        assert app.screen.query_one("#panes").active == expected


async def test_activity_takes_the_full_width_on_a_narrow_terminal(profiles_file: Path,
                                                                   socket_profile: Profile) -> None:
    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await pilot.pause(0.3)
        sidebar = app.screen.query_one("#sidebar")
        await pilot.press("4")
        await until(pilot, lambda: not sidebar.display)
        await pilot.press("s")  # the catalog is one key away
        await until(pilot, lambda: sidebar.display and type(app.focused).__name__ == "CatalogTree")
        await pilot.press("1")
        await until(pilot, lambda: app.screen.query_one("#panes").active == "browse")
        assert sidebar.display
        await pilot.resize_terminal(120, 40)
        await pilot.press("4")
        await until(pilot, lambda: app.screen.query_one("#panes").active == "activity")
        await pilot.pause(0.3)
        assert sidebar.display


async def test_a_pane_key_during_teardown_is_ignored(profiles_file: Path, socket_profile: Profile) -> None:
    """The random-key test once pressed a digit while the workspace was being torn
    down: its TabbedContent was still there, its tabs already gone."""
    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        await until(pilot, lambda: getattr(app.screen, "_panes_ready", False))
        await pilot.pause(0.5)  # the tabs' own start-up messages are handled
        tabbed = app.screen.query_one("#panes")
        # Half torn down. (Removing the tab strip instead races Textual's own
        # TabbedContent handlers, not ours.)
        await tabbed.children[1].remove()
        app.screen.action_pane("query")
        await pilot.pause()
        assert app.is_running


async def test_the_picker_refuses_a_huge_profiles_file(profiles_file: Path) -> None:
    profiles_file.write_text("profiles:\n" + "  p:\n    host: h\n" * 200_000)  # ~3.6 MB
    app = make_app(profiles_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        problems = str(app.screen.query_one("#picker-problems").render())
        assert "over the 256 KB limit" in problems and "will not be overwritten" in problems


def seed_profile_data(name: str) -> None:
    """Editor tabs and history saved under a profile's name."""
    EditorAutosave(name).save_now("select 'tab one';")
    EditorAutosave(f"{name}.2").save_now("select 'tab two';")
    HistoryStore(name).add("select 'from history'", 0.1, 1, True)


async def rename_in_the_form(pilot, new_name: str) -> None:
    await pilot.press("e")
    await wait_for_screen(pilot, ProfileFormScreen)
    pilot.app.screen.query_one("#f-name", Input).value = new_name
    await pilot.press("ctrl+s")


async def test_renaming_moves_the_password_tabs_and_history(profiles_file: Path, memory_keyring) -> None:
    vault = PasswordVault()
    vault.keyring.set("staging", "Zq-secret-1")
    seed_profile_data("staging")
    app = make_app(profiles_file, Profile(name="staging", host="db.example.internal"), vault=vault)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await rename_in_the_form(pilot, "stage")
        await wait_for_screen(pilot, PickerScreen)
        await until(pilot, lambda: memory_keyring.entries.get(("bastion", "stage")) == "Zq-secret-1")
        await until(pilot, lambda: HistoryStore("stage").path.exists())
    assert ProfileStore(profiles_file).load().names() == ["stage"]
    assert ("bastion", "staging") not in memory_keyring.entries  # not orphaned
    assert [saved.load() for saved in buffer_autosaves("stage")] == ["select 'tab one';", "select 'tab two';"]
    assert [saved.path.exists() for saved in buffer_autosaves("staging")] == [False]
    assert [entry.sql for entry in HistoryStore("stage").entries()] == ["select 'from history'"]
    assert not HistoryStore("staging").path.exists()


async def test_renaming_a_production_profile_needs_its_name_typed(profiles_file: Path, memory_keyring) -> None:
    prod = Profile(name="prod", host="db.example.internal", production=True)
    app = make_app(profiles_file, prod)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        await rename_in_the_form(pilot, "prodx")
        await wait_for_screen(pilot, ConfirmScreen)
        await pilot.press("y")  # not enough on a production profile
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)
        assert ProfileStore(profiles_file).load().names() == ["prod"]
        await rename_in_the_form(pilot, "prod-eu")
        await wait_for_screen(pilot, ConfirmScreen)
        app.screen.query_one(Input).value = "prod"
        await pilot.press("enter")
        await wait_for_screen(pilot, PickerScreen)
    assert ProfileStore(profiles_file).load().names() == ["prod-eu"]


async def test_the_form_refuses_a_long_name_and_a_port_out_of_range(profiles_file: Path) -> None:
    app = make_app(profiles_file)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await wait_for_screen(pilot, ProfileFormScreen)
        app.screen.query_one("#f-name", Input).value = "n" * 65
        app.screen.query_one("#f-port", Input).value = "65536"
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = str(app.screen.query_one("#form-errors").render())
        assert "at most 64 characters" in errors and "port" in errors
    assert not profiles_file.exists()


async def test_a_key_released_after_the_last_screen_is_gone_is_dropped(profiles_file: Path) -> None:
    # Keys held back to keep their order can be released while the app closes
    # (the random-key test, seed 3: ScreenStackError "No screens on stack").
    from textual import events

    app = BastionApp(ProfileStore(profiles_file).load(), settings=Settings())
    async with app.run_test(size=(80, 24)):
        pass
    await app.on_event(events.Key("a", "a"))
    assert app._exception is None


async def test_a_connect_dialog_popped_while_mounting_does_nothing(profiles_file: Path) -> None:
    # The random-key test, seed 3: ctrl+o popped the dialog between its compose and
    # its Mount, which then looked for widgets already removed (NoMatches).
    from tui.screens.connect import ConnectScreen

    app = make_app(profiles_file)
    profile = Profile(name="lite", driver="sqlite", path=str(profiles_file.parent / "absent.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            app.push_screen(ConnectScreen(profile, app.vault))
            app.action_picker()
            await pilot.pause(0.05)
        await pilot.pause(0.2)
    assert app._exception is None
