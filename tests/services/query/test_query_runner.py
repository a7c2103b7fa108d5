"""Running statements on real databases: streaming, cancel, errors, notices,
transactions, read-only, exports compared with psql's own \\copy."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query.export import ExportCancelled, export
from tui.services.query.history import HistoryStore
from tui.services.query.results import ResultSet
from tui.services.query.runner import open_session
from tui.services.query.splitter import split_statements


@pytest.fixture
def session(socket_profile: Profile):
    database = open_database(socket_profile)
    session = open_session(database, row_cap=1_000_000)
    yield session
    session.close()
    database.close()


def run(session, sql: str):
    return [session.run(statement) for statement in split_statements(sql)]


def test_rows_stream_before_the_query_finishes(session) -> None:
    # Rows 1-250 come at once, the rest take 10 ms each: the first batch must not wait.
    [statement] = split_statements(
        "select g, case when g > 250 then pg_sleep(0.01) end from generate_series(1, 400) g")
    started = time.perf_counter()
    first_batch: list[float] = []

    def on_rows(result: ResultSet) -> None:
        if not first_batch:
            first_batch.append(time.perf_counter() - started)

    outcome = session.run(statement, on_rows)
    assert outcome.ok and len(outcome.result) == 400 and outcome.tag == "SELECT 400"
    assert first_batch[0] < 0.5 < outcome.elapsed


def test_cancel_stops_a_long_statement_within_a_second(session) -> None:
    [statement] = split_statements("select pg_sleep(60)")
    threading.Timer(0.3, session.cancel).start()
    started = time.perf_counter()
    outcome = session.run(statement)
    assert outcome.cancelled and time.perf_counter() - started < 1.5
    assert run(session, "select 1")[0].ok  # the session is usable again


def test_error_position_is_an_offset_in_the_buffer(session) -> None:
    buffer = "select 1;\nselect 1,\n  nosuchcolumn\nfrom pg_class"
    outcomes = [session.run(s) for s in split_statements(buffer)]
    error = outcomes[1].error
    assert error is not None and error.sqlstate == "42703"
    assert buffer[error.position:].startswith("nosuchcolumn")


def test_notices_dml_counts_and_ddl_tags(session) -> None:
    outcomes = run(session, "create table t (id int primary key, name text);"
                            "insert into t select g, 'n' || g from generate_series(1, 5) g;"
                            "update t set name = 'x' where id <= 2;"
                            "do $$ begin raise notice 'hello from plpgsql'; end $$;"
                            "delete from t")
    assert [o.tag for o in outcomes] == ["CREATE TABLE", "INSERT 0 5", "UPDATE 2", "DO", "DELETE 5"]
    assert outcomes[3].notices == ["NOTICE: hello from plpgsql"]


def test_transaction_states(session) -> None:
    assert session.transaction_status() == "idle"
    run(session, "begin; select 1")
    assert session.transaction_status() == "in transaction"
    failed = run(session, "select 1/0")[0]
    assert failed.error.sqlstate == "22012"
    assert session.transaction_status() == "in failed transaction"
    blocked = run(session, "select 1")[0]
    assert blocked.error.sqlstate == "25P02"
    run(session, "rollback")
    assert session.transaction_status() == "idle"


def test_values_are_the_servers_text_and_nulls_stay_null(session) -> None:
    [outcome] = run(session, "select null::text as n, ''::text as e, '{1,2}'::int[] as a, "
                             "'\\x00ff'::bytea as b, true as t, 1.50::numeric as d")
    assert outcome.result.row(0) == [None, "", "{1,2}", "\\x00ff", "t", "1.50"]
    assert [c.numeric for c in outcome.result.columns] == [False, False, False, False, False, True]


def test_row_cap_keeps_the_first_rows_and_says_so(socket_profile: Profile) -> None:
    database = open_database(socket_profile)
    capped = open_session(database, row_cap=1000)
    try:
        [outcome] = run(capped, "select g from generate_series(1, 5000) g")
        assert len(outcome.result) == 1000 and outcome.result.capped
        [exact] = run(capped, "select g from generate_series(1, 1000) g")
        assert len(exact.result) == 1000 and not exact.result.capped
    finally:
        capped.close()
        database.close()


def test_read_only_profile_gets_the_servers_error(socket_profile: Profile) -> None:
    database = open_database(socket_profile.with_changes(read_only=True))
    session = open_session(database, 1000)
    try:
        [outcome] = run(session, "create table nope (id int)")
        assert outcome.error.sqlstate == "25006" and "read-only transaction" in outcome.error.message
    finally:
        session.close()
        database.close()


def test_history_is_stored_redacted(tmp_path: Path) -> None:
    store = HistoryStore("prod/eu", folder=tmp_path)
    store.add("ALTER ROLE app PASSWORD 'Sup3rSecret'", 0.01, -1, True)
    store.add("select 1", 0.002, 1, True)
    assert "Sup3rSecret" not in store.path.read_text()
    assert [e.sql for e in store.entries("role")] == ["ALTER ROLE app PASSWORD '***'"]
    assert (store.path.stat().st_mode & 0o777) == 0o600


@pytest.mark.slow
def test_csv_export_matches_psql_copy_byte_for_byte(socket_profile: Profile, pg_cluster: LocalCluster,
                                                    tmp_path: Path) -> None:
    psql = shutil.which("psql") or str(pg_cluster.bindir / "psql")
    sql = "select g, md5(g::text), g * 1.5, null::text as n, 'a,\"b\"' as q from generate_series(1, 1000000) g"
    ours = tmp_path / "ours.csv"
    database = open_database(socket_profile)
    rows = export(database, split_statements(sql)[0], "csv", ours, lambda n: None, threading.Event())
    database.close()
    theirs = tmp_path / "psql.csv"
    subprocess.run([psql, "-X", "-q", "-h", str(pg_cluster.socket_dir), "-p", str(pg_cluster.port), "-U",
                    pg_cluster.superuser, "-d", socket_profile.database, "-c",
                    f"\\copy ({sql}) to '{theirs}' with (format csv, header)"], check=True)
    assert rows == 1_000_000
    assert hashlib.sha256(ours.read_bytes()).digest() == hashlib.sha256(theirs.read_bytes()).digest()


def test_exports_in_every_format_and_cancel(socket_profile: Profile, tmp_path: Path) -> None:
    database = open_database(socket_profile)
    [statement] = split_statements("select g as id, 'n|' || g as name from generate_series(1, 3) g")
    try:
        for fmt, expected in (("tsv", "id\tname\n1\tn|1\n"), ("jsonl", '{"id": "1", "name": "n|1"}\n'),
                              ("markdown", "| id | name |\n|---|---|\n| 1 | n\\|1 |\n")):
            path = tmp_path / f"out.{fmt}"
            assert export(database, statement, fmt, path, lambda n: None, threading.Event()) == 3
            assert path.read_text().startswith(expected)
            assert path.stat().st_mode & 0o777 == 0o600  # the rows are the user's: owner only
        # The same cell escapes as the copy and `bastion query --format markdown`.
        [odd] = split_statements("select E'a\\\\|b\\nc' as v")
        export(database, odd, "markdown", tmp_path / "odd.md", lambda n: None, threading.Event())
        assert (tmp_path / "odd.md").read_text() == "| v |\n|---|\n| a\\\\\\|b<br>c |\n"
        cancel = threading.Event()
        cancel.set()
        [slow] = split_statements("select g, pg_sleep(0.001) from generate_series(1, 100000) g")
        with pytest.raises(ExportCancelled):
            export(database, slow, "jsonl", tmp_path / "cancelled.jsonl", lambda n: None, cancel)
        assert not (tmp_path / "cancelled.jsonl").exists()
    finally:
        database.close()


def test_sqlite_runs_streams_and_cancels(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (id integer primary key, name text)")
        conn.executemany("insert into t (name) values (?)", [(f"n{i}",) for i in range(3000)])
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path)))
    session = open_session(database, 1_000_000)
    try:
        outcomes = run(session, "select * from t; update t set name = 'x' where id < 10; select 1/0 as z")
        assert len(outcomes[0].result) == 3000 and outcomes[0].result.row(0) == ["1", "n0"]
        assert outcomes[1].rowcount == 9
        long_query = split_statements(
            "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c")[0]
        threading.Timer(0.3, session.cancel).start()
        assert session.run(long_query).cancelled
    finally:
        session.close()
        database.close()


def test_sqlite_read_only_session_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table t (id integer)")
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path), read_only=True))
    session = open_session(database, 10)
    try:
        [outcome] = run(session, "insert into t values (1)")
        assert outcome.error is not None and "readonly" in outcome.error.message.replace("-", "")
    finally:
        session.close()
        database.close()


def test_a_lost_connection_is_reported_never_silent(session, pg_cluster: LocalCluster) -> None:
    import psycopg

    pid = run(session, "select pg_backend_pid()")[0].result.row(0)[0]
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
        admin.execute("select pg_terminate_backend(%s)", (int(pid),))
    [outcome] = run(session, "select 1")
    assert outcome.error is not None and outcome.result is None
    assert session.transaction_status() == "connection lost"


def test_sqlite_session_closed_mid_statement_waits_for_it(tmp_path: Path) -> None:
    """Closing the editor's SQLite connection under a running statement crashed
    sqlite3; the pane now cancels, and close waits for the statement to unwind."""
    from tui.db.link import stop_and_close

    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path)))
    try:
        # Bounded: a cancel that comes before the statement starts must not leave it running for ever.
        long_query = split_statements(
            "with recursive c(x) as (select 1 union all select x + 1 from c where x < 5000000) "
            "select count(*) from c")[0]
        for attempt in range(5):
            session = open_session(database, 10)
            outcomes = []
            runner = threading.Thread(target=lambda s=session, o=outcomes: o.append(s.run(long_query)))
            runner.start()
            time.sleep(0.01 + attempt * 0.01)
            stop_and_close(session)
            runner.join(10)
            assert outcomes and (outcomes[0].cancelled or outcomes[0].ok)
    finally:
        database.close()
