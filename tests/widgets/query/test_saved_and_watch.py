"""Saved queries, their parameter prompt, watch mode and plots in the Query pane,
driven like a user on a real database; snapshots at 80x24 and 120x40."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg
import pytest
from helpers.query_pane_app import PaneApp
from textual.widgets import Input, TextArea

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.saved.library import PROJECT_FILE, SavedLibrary, profile_file_path
from tui.widgets.query.pane import QueryPane
from tui.widgets.query.params_dialog import ParamsScreen
from tui.widgets.query.saved_dialog import SaveQueryScreen
from tui.widgets.query.saved_picker import SavedPickerScreen
from tui.widgets.query.watch import WatchIntervalScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
PROJECT_QUERIES = """\
-- The team's queries.

-- name: orders_of
-- description: Orders of one customer, newest first
SELECT id, customer, total FROM orders WHERE customer = :customer AND total >= :min_total ORDER BY id DESC;

-- name: totals_by_customer
-- description: Revenue per customer
SELECT customer, sum(total)::int AS revenue FROM orders GROUP BY customer ORDER BY customer;
"""



@pytest.fixture
def orders(pg_cluster: LocalCluster, socket_profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
        conn.execute("""
            create table orders (id int primary key, customer text, total numeric(8,2));
            insert into orders values (1, 'ada', 30), (2, 'bob', 12.5), (3, 'ada', 99), (4, 'cy', 5);
            create table gauge (name text primary key, value int);
            insert into gauge values ('queue', 3), ('workers', 2);
        """)
    (tmp_path / PROJECT_FILE).write_text(PROJECT_QUERIES)
    monkeypatch.setattr(QueryPane, "timings", False)
    database = open_database(socket_profile)
    database.info = dataclasses.replace(database.info, version="16.4")
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


async def open_params_of_orders_of(pilot) -> None:
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SavedPickerScreen))
    pilot.app.screen.query_one("#saved-search", Input).value = "orders of"
    await pilot.pause()
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ParamsScreen))


async def test_save_pick_and_run_with_parameters_bound(orders, socket_profile: Profile) -> None:
    app = PaneApp(orders, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pilot.app.query_one(TextArea).text = "select count(*) from orders where total > :floor"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SaveQueryScreen))
        pilot.app.screen.query_one("#save-query-name", Input).value = "big_orders"
        pilot.app.screen.query_one("#save-query-description", Input).value = "Orders over a floor"
        await pilot.press("enter")
        await wait_until(pilot, lambda: profile_file_path(socket_profile.name).exists())
        saved = SavedLibrary.load(socket_profile.name).find("big_orders")
        assert (saved.sql, saved.description) == ("select count(*) from orders where total > :floor",
                                                  "Orders over a floor")

        await open_params_of_orders_of(pilot)
        labels = [str(label.render()) for label in pilot.app.screen.query(".form-label")]
        assert labels == [":customer text", ":min_total numeric"]
        pilot.app.screen.query_one("#param-0", Input).value = "ada"
        await pilot.press("enter")
        pilot.app.screen.query_one("#param-1", Input).value = "abc"
        await pilot.press("enter")  # a wrong type: the server says so
        pane = pane_of(pilot.app)
        await wait_until(pilot, lambda: not pane.running and pane.outcomes)
        assert 'invalid input syntax for type numeric: "abc"' in pane.outcomes[0].error.message

        await open_params_of_orders_of(pilot)
        assert pilot.app.screen.query_one("#param-1", Input).value == "abc"  # remembered
        pilot.app.screen.query_one("#param-0", Input).value = "'); drop table orders; --"
        pilot.app.screen.query_one("#param-1", Input).value = "0"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not pane.running and pane.outcomes and pane.outcomes[0].ok)
        assert len(pane.grid.result) == 0  # data, not SQL

        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SavedPickerScreen))
        pilot.app.screen.query_one("#saved-search", Input).value = "revenue"
        await pilot.pause()
        await pilot.press("enter")  # enter: open in a new tab
        await wait_until(pilot, lambda: "sum(total)" in pilot.app.query_one(TextArea).text)
        assert len(pane.buffers) == 2


async def test_watch_highlights_changes_plots_and_never_watches_a_production_write(
        orders, socket_profile: Profile, pg_cluster: LocalCluster) -> None:
    app = PaneApp(orders, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(pilot.app)
        pilot.app.query_one(TextArea).text = "select name, value from gauge order by name"
        await pilot.press("f2", "w")  # w: the results' key (the editor types it)
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WatchIntervalScreen))
        pilot.app.screen.query_one(Input).value = "0.5"
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.watcher.series.runs >= 2)
        with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
            conn.execute("update gauge set value = 9 where name = 'workers'")
        await wait_until(pilot, lambda: pane.grid.changed_cells == {(1, 1)})
        assert pane.results.plot_shown and set(pane.results.plot.data.series) == {"queue", "workers"}
        await pilot.press("W")
        assert pane.watcher.paused and "paused" in str(pane.query_one("#query-status").render())
        runs = pane.watcher.series.runs
        await pilot.pause(0.7)
        assert pane.watcher.series.runs == runs
        await pilot.press("w")
        assert not pane.watcher.watching

    production = socket_profile.with_changes(name="prod", production=True)
    app = PaneApp(orders, production)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(pilot.app)
        pilot.app.query_one(TextArea).text = "update gauge set value = value + 1 returning value"
        await pilot.press("f2", "w")  # w: the results' key (the editor types it)
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WatchIntervalScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: not pane.watcher.watching and pane.outcomes)
        assert pane.outcomes[0].declined
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database)) as conn:
        assert conn.execute("select value from gauge order by name").fetchall() == [(3,), (9,)]


async def test_plot_key_draws_bars_or_says_why_not(orders, socket_profile: Profile) -> None:
    app = PaneApp(orders, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(pilot.app)
        for sql, shown in (("select customer from orders", False),
                           ("select customer, sum(total) from orders group by 1 order by 1", True)):
            pilot.app.query_one(TextArea).text = sql
            await pilot.press("ctrl+j")
            await wait_until(pilot, lambda: not pane.running and pane.outcomes)
            await pilot.press("f2", "p")
            assert pane.results.plot_shown is shown
            await pilot.press("f2")
        assert pane.results.plot.data.kind == "bar" and pane.results.plot.data.labels == ["ada", "bob", "cy"]


# -- snapshots ------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_saved_query_picker(snap_compare, orders, socket_profile, size) -> None:
    async def run(pilot) -> None:
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SavedPickerScreen))
        await pilot.press(*"cache")
        await pilot.pause(0.2)

    assert snap_compare(PaneApp(orders, socket_profile), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_parameter_prompt(snap_compare, orders, socket_profile, size) -> None:
    async def run(pilot) -> None:
        await open_params_of_orders_of(pilot)
        await pilot.press(*"ada")
        await pilot.pause(0.2)

    assert snap_compare(PaneApp(orders, socket_profile), run_before=run, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_watch_with_plot(snap_compare, orders, socket_profile, pg_cluster, size) -> None:
    async def run(pilot) -> None:
        pane = pane_of(pilot.app)
        pilot.app.query_one(TextArea).text = "select name, value from gauge order by name"
        await pilot.press("f2", "w")  # w: the results' key (the editor types it)
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WatchIntervalScreen))
        pilot.app.screen.query_one(Input).value = "3600"  # the runs below are triggered by hand
        await pilot.press("enter")
        with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as conn:
            for step in range(1, 6):
                await wait_until(pilot, lambda step=step: pane.watcher.series.runs == step and not pane.running)
                conn.execute("update gauge set value = value + %s where name = %s",
                             (step % 3, "queue" if step % 2 else "workers"))
                pane.watcher._due()
        await wait_until(pilot, lambda: pane.watcher.series.runs == 6 and not pane.running)
        await pilot.pause(0.3)

    assert snap_compare(PaneApp(orders, socket_profile), run_before=run, terminal_size=size)


async def test_the_palette_lists_saved_queries_and_opens_one(orders, socket_profile: Profile,
                                                            profiles_file: Path) -> None:
    from helpers.apps import make_app, wait_for_screen

    from tui.screens.workspace import WorkspaceScreen
    from tui.widgets.query.saved_commands import SavedQueryIndex

    app = make_app(profiles_file, socket_profile, start=socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, WorkspaceScreen)
        index = app.screen.query_one(SavedQueryIndex)
        await wait_until(pilot, lambda: index.library is not None)  # read off the UI thread
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Saved queries", "Save query", "Watch query", "Run saved query: orders_of",
                "Open saved query: health.table_bloat"} <= set(commands)
        commands["Open saved query: totals_by_customer"].callback()
        await wait_until(pilot, lambda: app.screen.query(TextArea)
                         and "sum(total)" in app.screen.query_one(TextArea).text)
        assert app.screen.query_one("#panes").active == "query"


async def test_psql_watch_typed_in_the_editor_watches_and_other_meta_commands_are_refused(
        orders, socket_profile: Profile) -> None:
    app = PaneApp(orders, socket_profile)
    async with app.run_test(size=(100, 30)) as pilot:
        pane = pane_of(pilot.app)
        editor = pilot.app.query_one(TextArea)
        editor.text = "select name, value from gauge order by name \\watch i=0.5"
        editor.focus()
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: pane.watcher.series.runs >= 2)
        assert pane.watcher.interval == 0.5 and pane.watcher.statement.text.endswith("order by name")
        assert all(o.ok for o in pane.outcomes)  # the \watch never reached the server
        await pilot.press("w")  # the results have the focus: w stops
        assert not pane.watcher.watching
        await pilot.press("w")  # w on the same text: the dialog's interval, the \\watch left out
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WatchIntervalScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: pane.watcher.watching and pane.watcher.series.runs >= 1)
        assert pane.watcher.statement.meta == "" and pane.watcher.interval == 0.5
        await pilot.press("w")
        assert not pane.watcher.watching
        editor.text = "\\dt"
        editor.focus()
        pane.outcomes = []
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: "psql meta-commands are not SQL: \\dt" in "\n".join(
            line.text for line in pane.query_one("#query-messages").lines))
        assert pane.outcomes == [] and not pane.running
