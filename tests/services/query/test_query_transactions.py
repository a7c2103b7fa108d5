"""Manual-commit mode against the real PostgreSQL: nothing is visible to another
connection until the commit, a rollback leaves nothing, a typed COMMIT asks, the
server decides what must run outside a transaction, and behind PgBouncer (which
refuses the startup options) the profile's statement_timeout and search_path are
set in every transaction."""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest
from helpers.topology_rig import PgBouncer

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query import commit_mode, transaction
from tui.services.query.guard import Guard, Question
from tui.services.query.runner import open_session
from tui.services.query.splitter import split_statements
from tui.services.query.transaction import (
    TransactionState,
    commit_question,
    dry_run_text,
    local_settings,
    run_in_mode,
)


class Answers:
    """The user, scripted: answers in order (no when they run out), questions kept."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[Question] = []

    def __call__(self, question: Question) -> bool:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else False


@pytest.fixture
def manual(pg_cluster: LocalCluster, socket_profile: Profile, monkeypatch: pytest.MonkeyPatch):
    """A session in manual-commit mode over 5 rows, and another connection to look."""
    monkeypatch.setattr(transaction, "clock", lambda: datetime(2026, 1, 2, 8, 12, 3))
    check = psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True)
    check.execute("create table items (id int primary key, n int);"
                  "insert into items select g, g from generate_series(1, 5) g")
    database = open_database(socket_profile)
    session = open_session(database, row_cap=10_000)
    yield session, check
    session.close()
    database.close()
    check.close()


def run(session, sql: str, *, production: bool = False, answers: Answers | None = None,
        state: TransactionState | None = None, confirm_commit=None):
    guard = Guard(production=production, profile_name="prod", ask=answers or Answers())
    outcomes = []
    for statement in split_statements(sql):
        outcomes.append(run_in_mode(session, statement, guard, manual=True, confirm_commit=confirm_commit))
        if state is not None:
            state.observe(outcomes[-1], session.transaction_status())
    return outcomes


def total(check) -> int:
    return check.execute("select sum(n) from items").fetchone()[0]


def test_manual_mode_commits_only_on_commit(manual) -> None:
    session, check = manual
    state = TransactionState(manual=True)
    [select, update] = run(session, "select count(*) from items; update items set n = n + 10 where id <= 3",
                           state=state)
    assert select.ok and update.tag == "UPDATE 3"
    assert dry_run_text(update).startswith("UPDATE 3 rows — commit (f10) / roll back (f12)?\nupdate items")
    assert state.describe() == "in transaction since 08:12:03 (2 statements)"
    assert state.header() == "IN TRANSACTION since 08:12:03 (2)" and state.changed == 3
    assert total(check) == 15  # another connection sees nothing yet
    assert session.end_transaction(commit=True) is None
    state.observe(None, session.transaction_status())
    assert total(check) == 45 and state.describe() == "manual commit · idle" and not state.header()


def test_manual_mode_rolls_back(manual) -> None:
    session, check = manual
    run(session, "delete from items where id = 1; insert into items values (9, 9)")
    assert session.transaction_status() == "in transaction"
    assert session.end_transaction(commit=False) is None
    assert total(check) == 15 and session.transaction_status() == "idle"


def test_a_failed_transaction_says_roll_back(manual) -> None:
    session, check = manual
    state = TransactionState(manual=True)
    run(session, "update items set n = 0 where id = 1; select 1/0", state=state)
    assert state.failed and state.describe() == "transaction failed (open since 08:12:03) — roll back (f12)"
    assert state.header() == "TRANSACTION FAILED since 08:12:03"
    session.end_transaction(commit=False)
    assert total(check) == 15


def test_a_typed_commit_asks_and_no_commits_nothing(manual) -> None:
    session, check = manual
    asked: list[bool] = []
    outcomes = run(session, "update items set n = 0 where id = 1; commit",
                   confirm_commit=lambda: asked.append(True) or False)
    assert asked and outcomes[1].declined and total(check) == 15
    run(session, "commit", confirm_commit=lambda: True)
    assert total(check) == 14


def test_what_must_run_outside_a_transaction_runs_as_it_is(manual) -> None:
    session, _ = manual
    [vacuum] = run(session, "vacuum items")
    assert vacuum.ok and session.transaction_status() == "idle"


def test_production_manual_mode_keeps_the_typed_name_and_asks_no_commit_per_write(manual) -> None:
    session, check = manual
    answers = Answers(True)  # yes to the write, typed-name questions are answered no
    [update] = run(session, "update items set n = 0 where id = 2", production=True, answers=answers)
    assert update.tag == "UPDATE 1" and len(answers.questions) == 1  # no commit question: the user commits
    assert session.transaction_status() == "in transaction" and total(check) == 15
    [delete] = run(session, "delete from items", production=True, answers=answers)
    assert delete.declined and answers.questions[-1].require_text == "prod"
    state = TransactionState(manual=True, status="in transaction", statements=1, changed=1001)
    guard = Guard(production=True, profile_name="prod", ask=answers)
    assert commit_question(state, guard).require_text == "prod"  # a large change: typed
    assert commit_question(TransactionState(status="in transaction"), guard).require_text is None
    state.observe(update, "in transaction")
    state.observe(delete, "in transaction")  # declined: not counted, not shown
    question = commit_question(state, guard, leaving="Quit")
    assert question.title == "UPDATE 1 row — commit / roll back?"
    assert question.body.startswith("update items set n = 0 where id = 2\n\nQuit: the transaction is still open.")
    session.end_transaction(commit=False)
    assert total(check) == 15


def test_a_declined_first_write_leaves_no_transaction_open(manual) -> None:
    session, _ = manual
    [update] = run(session, "update items set n = 0 where id = 2", production=True, answers=Answers(False))
    assert update.declined and session.transaction_status() == "idle"


def test_sqlite_manual_mode(tmp_path) -> None:
    import sqlite3

    path = tmp_path / "lite.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (n int)")
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path)))
    session = open_session(database, row_cap=100)
    try:
        [insert] = run(session, "insert into t values (1)")
        assert insert.ok and session.transaction_status() == "in transaction"
        with sqlite3.connect(path) as other:
            assert other.execute("select count(*) from t").fetchone() == (0,)
        assert session.end_transaction(commit=True) is None
        with sqlite3.connect(path) as other:
            assert other.execute("select count(*) from t").fetchone() == (1,)
    finally:
        session.close()
        database.close()


def test_the_mode_is_remembered_per_profile() -> None:
    assert commit_mode.manual_commit("prod", production=True)
    assert not commit_mode.manual_commit("dev", production=False)
    commit_mode.remember_manual_commit("prod", False)
    commit_mode.remember_manual_commit("dev", True)
    assert not commit_mode.manual_commit("prod", production=True)
    assert commit_mode.manual_commit("dev", production=False)
    commit_mode.modes_file().write_text("not json")
    assert commit_mode.manual_commit("prod", production=True)  # damaged: the defaults


def test_behind_pgbouncer_the_profiles_settings_apply_per_transaction(
        pgbouncer: PgBouncer, pg_cluster: LocalCluster, pg_database: str) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("create schema ledger; create table ledger.entries (id int)")
    profile = Profile(name="pooled", host="127.0.0.1", port=pgbouncer.port, database=pg_database,
                      user=pgbouncer.user, sslmode="disable", statement_timeout="4321ms", search_path="ledger")
    database = open_database(profile, pgbouncer.password)
    try:
        assert database.info.pooler == "pgbouncer"
        settings = local_settings(database)
        assert settings == (("statement_timeout", "4321ms"), ("search_path", "ledger"))
        session = open_session(database, row_cap=100)
        session.local_settings = settings
        guard = Guard(production=False, profile_name="pooled", ask=Answers())
        shown = "select current_setting('statement_timeout'), current_setting('search_path')"
        for manual in (False, True):  # autocommit: each statement wrapped; manual: at BEGIN
            for sql in (shown, "show statement_timeout", "insert into entries values (1)"):
                [statement] = split_statements(sql)
                outcome = run_in_mode(session, statement, guard, manual=manual)
                assert outcome.ok, outcome.error
                if sql == shown:
                    assert list(outcome.result.row(0)) == ["4321ms", "ledger"]
                elif sql.startswith("show"):
                    assert list(outcome.result.row(0)) == ["4321ms"]
            assert session.transaction_status() == ("in transaction" if manual else "idle")
        session.end_transaction(commit=True)
        [vacuum] = split_statements("vacuum ledger.entries")  # refused in a transaction: run as it is, unset
        vacuumed = run_in_mode(session, vacuum, guard, manual=False)
        assert vacuumed.ok, vacuumed.error
        session.close()
    finally:
        database.close()
