"""COPY … FROM STDIN / TO STDOUT typed in the editor, under the production guard,
on the editor's real session."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.query.guard import Guard, Question, run_guarded
from tui.services.query.session_keeper import open_session
from tui.services.query.splitter import split_statements


@pytest.fixture
def session(pg_cluster: LocalCluster, socket_profile: Profile):
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute("create table items (id int primary key, name text)")
    database = open_database(socket_profile)
    session = open_session(database, row_cap=1000)
    yield session
    session.close()
    database.close()


def test_production_copy_from_stdin_wants_the_typed_name_then_reads_the_file(session, tmp_path: Path) -> None:
    data = tmp_path / "rows.csv"
    data.write_text("1,one\n2,two\nthree,3\n")
    asked: list[Question] = []
    files: list[str] = []

    def answer(question: Question) -> bool:
        asked.append(question)
        return True

    def choose(direction: str) -> Path:
        files.append(direction)
        return data

    guard = Guard(production=True, profile_name="prod", ask=answer, client_file=choose)
    [statement] = split_statements("copy items from stdin (format csv)")
    outcome = run_guarded(session, statement, guard)
    assert [q.require_text for q in asked] == ["prod"] and files == ["from"]
    assert outcome.error is not None and 'invalid input syntax for type integer: "three"' in outcome.error.message
    assert "line 3" in (outcome.error.context or "")
    data.write_text("1,one\n2,two\n")
    assert run_guarded(session, statement, guard).tag == "COPY 2"

    unenforced = Guard(production=False, profile_name="ro", ask=answer, client_file=choose,
                       read_only_unenforced=True)
    assert run_guarded(session, statement, unenforced).declined
    declined = Guard(production=False, profile_name="dev", ask=answer, client_file=lambda _d: None)
    [out] = split_statements("copy items to stdout")
    assert run_guarded(session, out, declined).declined
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "rows.csv"]
