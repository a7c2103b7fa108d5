"""Production guards against the real PostgreSQL (and SQLite): the server decides
what writes in a read-only trial, acting functions are confirmed, COPY with the
client's stdin is refused. The bypasses of issue #11 are written out here."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query.explain import explain_sql, refused_as_write, run_explain
from tui.services.query.guard import Guard, Question, acting_functions, client_stream_refusal, run_guarded
from tui.services.query.runner import open_session
from tui.services.query.splitter import make_room_for_statement, split_statements


class Answers:
    """The user, scripted: answers in order (no when they run out), questions kept."""

    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[Question] = []

    def __call__(self, question: Question) -> bool:
        self.questions.append(question)
        return self.answers.pop(0) if self.answers else False


@pytest.fixture
def prod(pg_cluster: LocalCluster, socket_profile: Profile):
    """A production session over a table of 5 rows, and a direct connection to check it."""
    check = psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True)
    check.execute("""
        create table items (id int primary key, name text);
        insert into items select g, 'item ' || g from generate_series(1, 5) g;
        create table calls (n int);
        create function counted() returns int volatile language plpgsql as
          $$ begin insert into calls values (1); return 1; end $$;
        create function noisy() returns int volatile language plpgsql as
          $$ begin raise notice 'noisy ran'; return 1; end $$;
    """)
    database = open_database(socket_profile)
    session = open_session(database, row_cap=10_000)
    yield session, check
    session.close()
    database.close()
    check.close()


def guarded(session, sql: str, answers: Answers, production: bool = True):
    guard = Guard(production=production, profile_name="prod", ask=answers)
    return [run_guarded(session, statement, guard) for statement in split_statements(sql)]


def count(check, table: str = "items") -> int:
    return check.execute(f"select count(*) from {table}").fetchone()[0]


def test_a_read_runs_once_and_its_trial_is_the_result(prod) -> None:
    session, _ = prod
    answers = Answers()
    [outcome] = guarded(session, "select noisy(), (select max(id) from items)", answers)
    assert outcome.ok and outcome.result.row(0)[1] == "5"
    assert outcome.notices == ["NOTICE: noisy ran"]  # once: never a trial and then a real run
    assert not answers.questions and session.transaction_status() == "idle"


@pytest.mark.parametrize(
    "sql",
    [
        "explain analyze delete from items",
        "with gone as (delete from items returning *) select count(*) from gone",
        "select counted()",  # a function that writes: no classifier sees it
    ],
)
def test_writes_of_any_shape_are_refused_by_the_trial_and_need_the_name(prod, sql: str) -> None:
    session, check = prod
    answers = Answers(False)
    [outcome] = guarded(session, sql, answers)
    assert outcome.declined and not outcome.ok
    assert [q.require_text for q in answers.questions] == ["prod"]
    assert sql in answers.questions[0].body
    assert count(check) == 5 and count(check, "calls") == 0


def test_prepare_then_execute_is_confirmed(prod) -> None:
    session, check = prod
    answers = Answers(False)
    prepared, executed = guarded(session, "prepare p as delete from items; execute p", answers)
    assert prepared.ok  # preparing writes nothing
    assert executed.declined and answers.questions[0].require_text == "prod"
    assert count(check) == 5


def test_a_confirmed_write_shows_its_count_before_commit(prod) -> None:
    session, check = prod
    answers = Answers(True, False)  # yes, run it; no, do not commit
    [outcome] = guarded(session, "delete from items where id <= 2", answers)
    write, commit = answers.questions
    assert write.require_text is None  # bounded by WHERE: y/n
    assert commit.title == "DELETE 2 rows — commit / roll back?" and commit.require_text is None
    assert commit.body.startswith("delete from items where id <= 2\n")  # the statement under it
    assert outcome.rolled_back and outcome.tag == "DELETE 2 (rolled back)"
    assert count(check) == 5 and session.transaction_status() == "idle"

    answers = Answers(True, True)
    [outcome] = guarded(session, "delete from items where id <= 2", answers)
    assert outcome.ok and not outcome.rolled_back and count(check) == 3


def test_a_failed_commit_is_the_statements_error(prod) -> None:
    session, check = prod
    check.execute("create table orders (item int references items deferrable initially deferred);"
                  "insert into orders values (1)")
    [outcome] = guarded(session, "delete from items where id = 1", Answers(True, True))
    assert not outcome.ok and outcome.error.sqlstate == "23503"
    assert outcome.error.message.startswith("COMMIT failed: ")
    assert session.transaction_status() == "idle" and count(check) == 5
    [after] = guarded(session, "select count(*) from items", Answers())
    assert after.ok and after.result.row(0)[0] == "5"


def test_a_large_change_needs_the_name_to_commit(prod) -> None:
    session, check = prod
    answers = Answers(True, False)
    guarded(session, "insert into items select g, 'x' from generate_series(100, 1200) g", answers)
    assert answers.questions[1].title == "INSERT 1,101 rows — commit / roll back?"
    assert answers.questions[1].require_text == "prod"
    assert count(check) == 5


def test_statements_outside_a_transaction_block_are_confirmed_then_run(prod) -> None:
    session, check = prod
    answers = Answers(True)
    [outcome] = guarded(session, "vacuum items", answers)
    assert outcome.ok and outcome.tag == "VACUUM" and len(answers.questions) == 1
    answers = Answers(False)
    [outcome] = guarded(session, "create index concurrently items_name on items (name)", answers)
    assert outcome.declined and answers.questions
    assert check.execute("select count(*) from pg_indexes where indexname = 'items_name'").fetchone()[0] == 0


def test_inside_the_users_transaction_the_trial_is_a_savepoint(prod) -> None:
    session, check = prod
    answers = Answers(True)
    outcomes = guarded(session, "begin; set local work_mem = '7MB'; select 1; delete from items where id = 1; "
                                "show work_mem", answers)
    assert all(o.ok for o in outcomes)
    assert len(answers.questions) == 1  # the delete; no commit question: the user commits
    assert outcomes[-1].result.row(0)[0] == "7MB"  # the trial did not undo the user's SET LOCAL
    assert session.transaction_status() == "in transaction"
    [rollback] = guarded(session, "rollback", answers)
    assert rollback.ok and count(check) == 5


@pytest.mark.parametrize(
    "sql",
    [
        "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'victim'",
        "select pg_catalog.PG_CANCEL_BACKEND(1)",
        "select pg_advisory_lock(42)",
        'select "pg_reload_conf"()',
    ],
)
def test_acting_functions_are_confirmed_before_anything_is_sent(prod, pg_cluster, socket_profile, sql) -> None:
    session, _ = prod
    victim = psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), application_name="victim")
    answers = Answers(False)
    [outcome] = guarded(session, sql, answers)
    assert outcome.declined and answers.questions[0].require_text == "prod"
    assert victim.execute("select 1").fetchone() == (1,)  # still alive
    victim.close()
    other = Answers(False)
    [outcome] = guarded(session, sql, other, production=False)
    assert outcome.declined and other.questions[0].require_text is None  # asked, y/n


def test_acting_functions_are_found_by_name_only_where_called() -> None:
    [statement] = split_statements("select dblink_exec('x'), pg_stat_reset(), 'pg_reload_conf()', pid from t")
    assert acting_functions(statement) == ["dblink_exec", "pg_stat_reset"]
    [plain] = split_statements("select pg_terminate_backend from t -- pg_cancel_backend(1)")
    assert acting_functions(plain) == []


def test_copy_from_stdin_is_refused_and_the_session_keeps_working(prod) -> None:
    session, check = prod
    copy, copy_out, after = guarded(session, "copy items from stdin; copy items to stdout; select count(*) from items",
                                    Answers())
    assert copy.declined and "COPY … FROM STDIN" in copy.error.message
    assert copy_out.declined and "f8" in copy_out.error.message
    assert after.ok and after.result.row(0)[0] == "5"
    [statement] = split_statements("copy (select 1) to '/tmp/x'")
    assert client_stream_refusal(statement) is None


def test_explain_analyze_never_commits(prod) -> None:
    session, check = prod
    [execute] = split_statements("execute gone")
    session.conn.execute("prepare gone as delete from items")
    run_explain(session.conn, explain_sql(execute, analyze=True), read_only=False)
    assert count(check) == 5  # ran, and rolled back although no classifier saw a write
    with pytest.raises(psycopg.Error) as refused:
        run_explain(session.conn, explain_sql(execute, analyze=True), read_only=True)
    assert refused_as_write(refused.value) and count(check) == 5
    [read] = split_statements("select * from items")
    assert run_explain(session.conn, explain_sql(read, analyze=True), read_only=True).actual_rows == 5


@pytest.mark.parametrize("sql", ["delete from items where id = 1 returning *", "select counted()"])
def test_export_runs_the_statement_again_but_never_writes(prod, socket_profile: Profile, tmp_path: Path,
                                                          sql: str) -> None:
    """f8 re-runs the shown statement: a confirmed write must not run again unasked."""
    import threading

    from tui.services.query.export import export

    _, check = prod
    database = open_database(socket_profile)
    [statement] = split_statements(sql)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            export(database, statement, "csv", tmp_path / "out.csv", lambda rows: None, threading.Event())
    finally:
        database.close()
    assert count(check) == 5 and count(check, "calls") == 0


def test_sqlite_production_trial(tmp_path: Path) -> None:
    path = tmp_path / "prod.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("create table t (id integer primary key); insert into t values (1), (2), (3);")
    database = open_database(Profile(name="prod", driver="sqlite", path=str(path), production=True))
    session = open_session(database, row_cap=100)
    try:
        answers = Answers(True, False)
        read, delete = guarded(session, "select count(*) from t; delete from t where id > 1", answers)
        assert read.ok and read.result.row(0)[0] == "3" and not read.write_refused
        assert delete.rolled_back and answers.questions[1].title == "DELETE 2 rows — commit / roll back?"
        [after] = guarded(session, "select count(*) from t", Answers())
        assert after.result.row(0)[0] == "3"
        [vacuum] = guarded(session, "vacuum", Answers(True))
        assert vacuum.ok
    finally:
        session.close()
        database.close()


@pytest.mark.parametrize(
    ("text", "cursor", "expected"),
    [
        ("insert into t values ('user5')", 30, "insert into t values ('user5');\nselect 'two';\n"),
        ("select 1;", 9, "select 1;\nselect 'two';\n"),
        ("select 1 from t", 7, "select 1 from t;\nselect 'two';\n"),  # never inside a statement
        ("", 0, "select 'two';\n"),
        ("select 1 -- done", 16, "select 1 -- done\n;\nselect 'two';\n"),
    ],
)
def test_a_statement_from_history_stands_alone(text: str, cursor: int, expected: str) -> None:
    offset, prefix = make_room_for_statement(text, cursor)
    result = text[:offset] + prefix + "select 'two';\n" + text[offset:]
    assert result == expected
    assert "select 'two'" in [s.text for s in split_statements(result)]


def test_a_read_only_profile_cannot_be_talked_into_writing(pg_cluster: LocalCluster, socket_profile: Profile,
                                                          prod) -> None:
    # The startup option alone is lifted by the user's BEGIN READ WRITE or SET; every
    # statement of a read-only profile runs in a read-only trial the server enforces.
    _, check = prod
    profile = socket_profile.with_changes(read_only=True)
    database = open_database(profile)
    session = open_session(database, row_cap=100)
    guard = Guard(production=False, profile_name="ro", ask=Answers(True, True, True), read_only=True)
    try:
        outcomes = [run_guarded(session, statement, guard) for statement in split_statements(
            "begin read write; insert into items values (90, 'x'); commit;"
            "set default_transaction_read_only = off; delete from items where id = 1;"
            "select count(*) from items")]
        assert [o.declined for o in outcomes] == [False, True, False, False, True, False]
        assert "read-only" in outcomes[1].error.message and outcomes[-1].result.row(0)[0] == "5"
    finally:
        session.close()
        database.close()
    assert count(check) == 5


def test_code_the_server_runs_and_a_writing_copy_are_asked_on_production(prod, tmp_path: Path) -> None:
    session, check = prod
    answers = Answers(False, False)
    guard = Guard(production=True, profile_name="prod", ask=answers, client_file=lambda _: tmp_path / "out.csv")
    do, copy = [run_guarded(session, statement, guard) for statement in split_statements(
        "do $$ begin perform pg_advisory_lock(7); end $$;"
        "copy (delete from items where id = 2 returning *) to stdout")]
    assert do.declined and "DO block" in answers.questions[0].body
    assert copy.declined and answers.questions[1].require_text == "prod"
    assert count(check) == 5
    assert check.execute("select count(*) from pg_locks where locktype = 'advisory'").fetchone() == (0,)
    dev = Answers()
    [do] = guarded(session, "do $$ begin perform 1; end $$", dev, production=False)
    assert do.ok and dev.questions == []  # a DO block on a dev database is routine
