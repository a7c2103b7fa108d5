"""psql's backslash habits: the splitter ends a statement at a meta-command (to the
end of its line), and the plan says watch, switch database, or why not."""

from __future__ import annotations

import pytest

from tui.services.query.psql_meta import plan_meta, watch_interval
from tui.services.query.splitter import split_statements, statement_at


def test_a_meta_command_ends_the_statement_and_runs_to_the_end_of_its_line() -> None:
    text = "select now() \\watch 2\nselect 'a\\b', E'\\\\dt' -- \\x\n;\\c other\nselect 3"
    found = [(s.text, s.meta) for s in split_statements(text)]
    assert found == [("select now()", "\\watch 2"), ("select 'a\\b', E'\\\\dt' -- \\x", ""),
                     ("", "\\c other"), ("select 3", "")]
    statements = split_statements(text)
    assert statement_at(statements, len("select now() \\watch")) is statements[0]  # the cursor on \watch
    assert statement_at(statements, text.index("other")) is statements[2]


@pytest.mark.parametrize(("args", "seconds"), [("", 2.0), ("5", 5.0), ("i=0.5", 0.5), ("interval=10", 10.0)])
def test_watch_intervals_as_psql_writes_them(args: str, seconds: float) -> None:
    assert watch_interval(args) == seconds


@pytest.mark.parametrize("args", ["x", "c=3", "0.1", "1 2"])
def test_watch_arguments_it_does_not_take_say_why(args: str) -> None:
    assert isinstance(watch_interval(args), str)


def test_the_plan_watches_switches_or_refuses() -> None:
    plan = plan_meta(split_statements("SELECT now() \\watch i=3"))
    assert plan is not None and plan.statement is not None
    assert (plan.statement.text, plan.statement.meta, plan.interval) == ("SELECT now()", "", 3.0)
    assert plan_meta(split_statements("\\connect sales")).connect == "sales"
    assert plan_meta(split_statements("select 1; select 2")) is None  # plain SQL: run it
    refused = {sql: plan_meta(split_statements(sql)).refusal for sql in (
        "\\dt", "select 1 \\gx", "\\watch 2", "select 1;\nselect 2 \\watch", "\\c", "\\c db user host")}
    assert refused["\\dt"].startswith("psql meta-commands are not SQL: \\dt")
    assert refused["select 1 \\gx"].startswith("psql meta-commands are not SQL: \\gx")
    assert "needs its statement before it" in refused["\\watch 2"]
    assert "runs on its own" in refused["select 1;\nselect 2 \\watch"]
    assert "\\c NAME" in refused["\\c"] and "\\c NAME" in refused["\\c db user host"]
