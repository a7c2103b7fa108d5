"""The Query tab driven like a user: type, run, cancel, confirm, history, snapshots."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import psycopg
import pytest
from helpers.query_pane_app import PaneApp
from textual.geometry import Region
from textual.widgets import Input, TextArea

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query.commit_mode import remember_manual_commit
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.query.explain_dialog import ExplainScreen
from tui.widgets.query.history_dialog import HistoryScreen
from tui.widgets.query.pane import QueryPane

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]



@pytest.fixture
def shop(pg_cluster: LocalCluster, socket_profile: Profile):
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
        conn.execute("""
            create table items (id int primary key, name text, price numeric(8,2), tags jsonb);
            insert into items values (1, 'kettle', 24.50, '{"colour": "red"}'), (2, 'mug', 6.00, null),
                                     (3, '茶壺 teapot', 31.25, '["gift"]');
            analyze items;
        """)
    database = open_database(socket_profile)
    yield database
    database.close()


async def wait_until(pilot, condition, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


def pane_of(app) -> QueryPane:
    return app.query_one(QueryPane)


async def type_and_run(pilot, sql: str, key: str = "ctrl+j") -> None:
    editor = pilot.app.query_one(TextArea)
    editor.text = sql
    editor.cursor_location = (0, 0)
    await pilot.press(key)
    await wait_until(pilot, lambda: not pane_of(pilot.app).running and pane_of(pilot.app).outcomes)


async def test_run_shows_rows_and_status(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "select * from items order by id;")
        pane = pane_of(app)
        assert len(pane.grid.result) == 3 and pane.grid.result.row(2)[1] == "茶壺 teapot"
        assert "SELECT 3" in str(app.query_one("#query-status").render())


def grid_screen(grid) -> list[str]:
    """The result grid's lines as the screen gets them now."""
    strips = grid.render_lines(Region(0, 0, grid.size.width, grid.size.height))
    return ["".join(segment.text for segment in strip) for strip in strips]


async def test_numbers_past_the_first_rows_are_never_cut(shop, socket_profile: Profile) -> None:
    """Columns are sized on the first rows; a wider number further down (row 1,000,000's
    id beside row 1's) widens its column when drawn instead of showing as `100…`."""
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "select case when g <= 500 then g else g::bigint * 1000000000 end as n, "
                                  "case when g <= 500 then 'short' else repeat('long ', 20) end as note "
                                  "from generate_series(1, 5000) g")
        grid = pane_of(app).grid
        grid.focus()
        await pilot.press("end")
        await pilot.pause(0.1)
        lines = grid_screen(grid)
        last = next(line for line in reversed(lines) if line.strip())
        assert "5000000000000 │" in last  # the whole number
        assert "long long" in last and "… │" in last  # text is still cut at its cap
        assert lines[0].index("│") == last.index("│")  # the header moved with the column
        await pilot.press("home")
        await pilot.pause(0.1)
        assert grid_screen(grid)[1].split("│")[0].strip() == "1"


async def test_error_moves_the_cursor_to_its_position(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "select id,\n       nosuch\nfrom items", key="ctrl+g")
        assert app.query_one(TextArea).cursor_location == (1, 7)
        messages = "\n".join(str(line.text) for line in app.query_one("#query-messages").lines)
        assert "ERROR 42703 at line 2, column 8" in messages


async def test_cancel_with_escape(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(TextArea).text = "select pg_sleep(60)"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: pane_of(app).running)
        await pilot.pause(0.3)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not pane_of(app).running, timeout=3)
        assert pane_of(app).outcomes[0].cancelled


async def test_production_writes_need_confirmation(shop, socket_profile: Profile) -> None:
    production = socket_profile.with_changes(name="prod", production=True)
    remember_manual_commit("prod", False)  # the autocommit path: a commit question per write
    app = PaneApp(shop, production)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(TextArea)
        editor.text = "delete from items"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.require_text == "prod"  # no WHERE: the name must be typed
        await pilot.press("y")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not pane_of(app).running)
        assert [o.tag for o in pane_of(app).outcomes] == ["not run"]
        editor.text = "delete from items where id = 2"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.require_text is None
        await pilot.press("y")  # run it …
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) and "commit" in app.screen.title_text)
        assert app.screen.title_text == "DELETE 1 row — commit / roll back?"  # issue #14's words
        assert app.screen.body.startswith("delete from items where id = 2\n")
        await pilot.press("y")  # … and commit
        await wait_until(pilot, lambda: pane_of(app).outcomes and not pane_of(app).running)
        assert pane_of(app).outcomes[0].tag == "DELETE 1"
        editor.text = "select count(*) from items"  # reading needs no confirmation
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: pane_of(app).outcomes[0].tag == "SELECT 1" and not pane_of(app).running)
        assert pane_of(app).outcomes[0].result.row(0)[0] == "2"


async def test_production_bypasses_of_the_old_classifier_are_confirmed(shop, socket_profile: Profile) -> None:
    """Issue #11: PREPARE … DELETE then EXECUTE, and pg_terminate_backend, ran without a dialog."""
    production = socket_profile.with_changes(name="prod", production=True)
    remember_manual_commit("prod", False)  # the autocommit path: a commit question per write
    app = PaneApp(shop, production)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(TextArea)
        for sql in ("prepare p as delete from items;\nexecute p;",
                    "select pg_terminate_backend(pid) from pg_stat_activity where pid = -1"):
            editor.text = sql
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen) or not pane_of(app).running)
            assert isinstance(app.screen, ConfirmScreen) and app.screen.require_text == "prod"
            await pilot.press("escape")
            await wait_until(pilot, lambda: not pane_of(app).running)
            assert pane_of(app).outcomes[-1].tag == "not run"
        editor.text = "select count(*) from items"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: pane_of(app).outcomes[0].tag == "SELECT 1" and not pane_of(app).running)
        assert pane_of(app).outcomes[0].result.row(0)[0] == "3"


async def test_cancel_stops_the_whole_run(shop, socket_profile: Profile) -> None:
    """esc stops "run all", even when the statement it reaches swallows the cancel."""
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(TextArea).text = (
            "do $$ begin perform pg_sleep(2); exception when query_canceled then null; end $$;\n"
            "insert into items values (10, 'second');\n"
            "select 3;")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: pane_of(app).running)
        await pilot.pause(0.3)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not pane_of(app).running, timeout=5)
        assert len(pane_of(app).outcomes) == 1
        assert "stopped after statement 1 of 3" in str(app.query_one("#query-status").render())
        await type_and_run(pilot, "select count(*) from items where id = 10")
        assert pane_of(app).outcomes[0].result.row(0)[0] == "0"  # the second statement never ran


async def test_copy_from_stdin_and_to_stdout_ask_for_a_file(shop, socket_profile: Profile, tmp_path: Path) -> None:
    from tui.widgets.transfer.copy_file_dialog import CopyFileDialog

    async def copy_with(pilot, sql: str, path: str | None) -> None:
        editor = pilot.app.query_one(TextArea)
        editor.text = sql
        editor.cursor_location = (0, 0)
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CopyFileDialog))
        if path is None:
            await pilot.press("escape")
        else:
            pilot.app.screen.query_one(Input).value = path
            await pilot.press("enter")
        await wait_until(pilot, lambda: not pane_of(pilot.app).running and pane_of(pilot.app).outcomes)

    (tmp_path / "more.csv").write_text("id,name\n4,teapot\n5,cup\n")
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await copy_with(pilot, "copy items from stdin", None)
        assert pane_of(app).outcomes[0].declined
        await copy_with(pilot, "copy items (id, name) from stdin (format csv, header)", str(tmp_path / "more.csv"))
        assert pane_of(app).outcomes[0].tag == "COPY 2"
        await copy_with(pilot, "copy (select id, name from items order by id) to stdout (format csv)",
                        str(tmp_path / "out.csv"))
        assert pane_of(app).outcomes[0].tag == "COPY 5"
        assert (tmp_path / "out.csv").read_text().splitlines()[-1] == "5,cup"
        assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o600
        await type_and_run(pilot, "select count(*) from items")
        assert pane_of(app).outcomes[0].ok and pane_of(app).outcomes[0].result.row(0)[0] == "5"


async def test_history_loads_a_statement_as_its_own(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "select 'two'")
        editor = app.query_one(TextArea)
        editor.text = "select 'one'"
        editor.cursor_location = (0, len("select 'one'"))
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen))
        assert editor.text == "select 'one';\nselect 'two';\n"
        await type_and_run(pilot, editor.text, key="ctrl+g")
        assert [o.tag for o in pane_of(app).outcomes] == ["SELECT 1", "SELECT 1"]


async def test_history_loads_a_statement_into_the_editor(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "select 42 as answer")
        app.query_one(TextArea).text = ""
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen))
        assert "select 42 as answer;" in app.query_one(TextArea).text


async def test_editor_text_survives_a_restart(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"select 7")
        await pilot.pause(0.1)
    again = PaneApp(shop, socket_profile)
    async with again.run_test(size=(100, 30)):
        assert again.query_one(TextArea).text == "select 7"


async def test_explain_opens_the_plan_tree(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(TextArea).text = "select * from items where id = 1"
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        assert "Scan" in app.screen.plan.node_type


async def test_explain_analyze_never_commits_a_write(shop, socket_profile: Profile) -> None:
    """f7 on EXECUTE of a prepared DELETE used to commit: no classifier saw a write."""
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await type_and_run(pilot, "prepare wipe as delete from items")
        app.query_one(TextArea).text = "execute wipe"
        await pilot.press("f7")
        await wait_until(pilot, lambda: isinstance(app.screen, ExplainScreen))
        await pilot.press("escape")
        await type_and_run(pilot, "select count(*) from items")
        assert pane_of(app).outcomes[0].result.row(0)[0] == "3"


async def test_explain_analyze_of_a_write_is_refused_on_production(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile.with_changes(name="prod", production=True))
    async with app.run_test(size=(100, 30)) as pilot:
        app.query_one(TextArea).text = "delete from items"
        await pilot.press("f7")
        messages = app.query_one("#query-messages")
        await wait_until(pilot, lambda: any("EXPLAIN failed" in str(line.text) for line in messages.lines))
        assert "this one writes" in "\n".join(str(line.text) for line in messages.lines)
        assert not isinstance(app.screen, ExplainScreen)


# -- snapshots ------------------------------------------------------------------------


@pytest.fixture
def fixed_history(isolated_env: Path) -> None:
    folder = isolated_env / "xdg_data_home" / "bastion" / "history"
    folder.mkdir(parents=True)
    lines = [
        {"at": 1790000000.0, "sql": "select * from items order by id", "duration": 0.004, "rows": 3, "ok": True},
        {"at": 1790000060.0, "sql": "ALTER ROLE app PASSWORD '***'", "duration": 0.002, "rows": -1, "ok": True},
        {"at": 1790000120.0, "sql": "select nosuch from items", "duration": 0.001, "rows": -1, "ok": False,
         "error": "column \"nosuch\" does not exist"},
    ]
    (folder / "local.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QueryPane, "timings", False)
    monkeypatch.setenv("TZ", "UTC")


def snapshot_app(shop, socket_profile: Profile) -> PaneApp:
    shop.info = dataclasses.replace(shop.info, version="16.4")
    return PaneApp(shop, socket_profile)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_result(snap_compare, shop, socket_profile, frozen, size) -> None:
    async def run(pilot) -> None:
        await type_and_run(pilot, "select id, name, price, tags, null as nothing from items order by id;")
        await pilot.pause(0.2)

    assert snap_compare(snapshot_app(shop, socket_profile), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_error_with_position(snap_compare, shop, socket_profile, frozen, size) -> None:
    async def run(pilot) -> None:
        await type_and_run(pilot, "select id,\n       nosuch\nfrom items;", key="ctrl+g")
        await pilot.pause(0.2)

    assert snap_compare(snapshot_app(shop, socket_profile), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_explain_tree(snap_compare, shop, socket_profile, frozen, size) -> None:
    async def run(pilot) -> None:
        pilot.app.query_one(TextArea).text = "select * from items i join items j on i.id = j.id where i.price > 10"
        await pilot.press("f6")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExplainScreen))
        await pilot.pause(0.2)

    assert snap_compare(snapshot_app(shop, socket_profile), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_production_commit_question(snap_compare, shop, socket_profile, frozen, size) -> None:
    async def run(pilot) -> None:
        pilot.app.query_one(TextArea).text = "delete from items where price < 10"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen)
                         and "commit" in pilot.app.screen.title_text)
        await pilot.pause(0.2)

    production = socket_profile.with_changes(name="prod", production=True)
    remember_manual_commit("prod", False)  # the autocommit path: a commit question per write
    assert snap_compare(snapshot_app(shop, production), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_history(snap_compare, shop, socket_profile, frozen, fixed_history, size) -> None:
    async def run(pilot) -> None:
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen))
        await pilot.pause(0.2)

    assert snap_compare(snapshot_app(shop, socket_profile), run_before=run, terminal_size=size)




async def test_completion_popup_inserts_a_column(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: pane_of(app).catalog is not None)
        editor = app.query_one(TextArea)
        editor.text = "select pri from items"
        editor.cursor_location = (0, len("select pri"))
        await pilot.press("ctrl+@")
        await wait_until(pilot, lambda: bool(app.query_one("#completion").display))
        await pilot.press("enter")
        assert editor.text == "select price from items"
        assert not app.query_one("#completion").display


async def test_editor_tabs_keep_their_own_text(shop, socket_profile: Profile) -> None:
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = app.query_one(TextArea)
        editor.text = "select 1"
        await pilot.press("ctrl+t")
        await pilot.pause(0.1)
        assert editor.text == ""
        editor.text = "select 2"
        await pilot.press("f3")
        await pilot.pause(0.1)
        assert editor.text == "select 1"
    again = PaneApp(shop, socket_profile)
    async with again.run_test(size=(100, 30)):
        assert again.query_one(QueryPane).buffers == ["select 1", "select 2"]


async def test_closing_a_tab_keeps_its_text_in_history_and_the_transaction_open(
        shop, socket_profile: Profile) -> None:
    remember_manual_commit(socket_profile.name, True)
    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = pane_of(app), app.query_one(TextArea)
        await type_and_run(pilot, "update items set price = 1 where id = 1")  # opens the transaction
        editor.focus()
        for text in ("select 'two'", "select 'three'"):
            await pilot.press("ctrl+t")
            await pilot.pause(0.1)
            editor.text = text
        await pilot.press("f3", "f3")  # back round to Query 2
        await wait_until(pilot, lambda: editor.text == "select 'two'")
        await pilot.press("alt+w")  # typed in the editor: closes, never types a w
        await wait_until(pilot, lambda: pane.buffers == ["update items set price = 1 where id = 1", "select 'three'"])
        assert editor.text == "select 'three'" and len(app.query("#editor-tabs Tab")) == 2
        assert pane.transaction_open()  # the pane's session: no tab owns it
        await wait_until(pilot, lambda: any(e.closed_tab and e.sql == "select 'two'" for e in pane.history.entries()))
        await pilot.press("ctrl+f4", "ctrl+f4")  # the last tab, then the only one: emptied
        await wait_until(pilot, lambda: pane.buffers == [""] and editor.text == "")
        assert pane.transaction_open() and "closed Query 1" in str(pane.query_one("#query-status").render())
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        lines = [str(option.prompt) for option in app.screen.query_one("#history-list").options]
        assert " tab " in lines[0] and "update items" in lines[0]
        await pilot.press("escape")
        await pilot.press("f12")
        await wait_until(pilot, lambda: not pane.transaction_open())
    again = PaneApp(shop, socket_profile)
    async with again.run_test(size=(100, 30)):
        assert again.query_one(QueryPane).buffers == [""]  # the files followed the tabs


async def test_keys_typed_in_one_burst_run_the_whole_statement(shop, socket_profile: Profile) -> None:
    """Over SSH a fast typist's last characters and ctrl+j arrive together: the run
    key is a priority binding, so it must still see every character typed before it."""
    from helpers.keys import send_key

    app = PaneApp(shop, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        for key in [*"select 6*7 as answer", "ctrl+j"]:
            send_key(app, key)  # through the driver, no waiting between keys
        await wait_until(pilot, lambda: not pane_of(app).running and pane_of(app).outcomes)
        outcome = pane_of(app).outcomes[-1]
        assert outcome.result is not None and outcome.result.row(0)[0] == "42"
        assert app.query_one(TextArea).text == "select 6*7 as answer"
