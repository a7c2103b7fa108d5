"""Saved queries: files that round-trip, placeholders found by PostgreSQL's lexer and
bound as parameters (against the real server), the library's scopes and memory."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg
import pytest

from tui.demo.cluster import LocalCluster
from tui.services.saved.files import SavedFileError, SavedQuery, parse_saved
from tui.services.saved.library import PROJECT_FILE, SavedLibrary, profile_file_path
from tui.services.saved.params import (
    ParameterError,
    bind,
    describe_parameters,
    find_placeholders,
    parameter_names,
    parse_assignments,
)

TEAM_FILE = """\
-- Our team's queries: keep them short.
-- (this preamble is kept as it is)

-- name: latest_posts
-- description: The newest posts of an author
-- a comment that belongs to the statement
SELECT id, title
FROM posts WHERE author_id = :author  -- trailing remark
ORDER BY id DESC LIMIT 20;


-- name: progress
SELECT course, count(*) FROM enrolments GROUP BY course
"""


def test_placeholders_skip_casts_strings_comments_and_dollar_quotes() -> None:
    sql = ("SELECT :a, $2, x::int, ':b', \"col:c\", $$ :d $$, :a -- :e\n"
           "/* :f */, E'\\' :g', :\"h\", $1")
    assert [p.name for p in find_placeholders(sql)] == ["a", "2", "a", "1"]
    assert parameter_names(sql) == ["1", "2", "a"]


def test_bind_makes_percent_signs_literal_and_reports_every_missing_value() -> None:
    bound = bind("SELECT :n, '100%' WHERE :n > $1", {"n": "5", "1": "3"})
    assert bound.psycopg_sql == "SELECT %s, '100%%' WHERE %s > %s"
    assert bound.values == ("5", "5", "3")
    assert bound.native_sql == "SELECT $2, '100%' WHERE $2 > $1"
    with pytest.raises(ParameterError, match=r"no value for \$1, :n"):
        bind("SELECT :n, $1", {})
    assert parse_assignments(["author=3", ":x=a=b", "1="]) == {"author": "3", "x": "a=b", "1": ""}
    with pytest.raises(ParameterError):
        parse_assignments(["noequals"])


def test_values_are_data_typed_by_the_server(pg_cluster: LocalCluster, pg_database: str) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id int PRIMARY KEY, name text, born date)")
        conn.execute("INSERT INTO users VALUES (1, 'ann', '1990-01-02'), (2, 'bob', NULL)")
        sql = "SELECT id FROM users WHERE name = :name OR id = :id OR born > $1::date"
        assert describe_parameters(conn, sql) == {"1": "date", "name": "text", "id": "integer"}
        evil = "'); drop table users; --"
        bound = bind(sql, {"name": evil, "id": "2", "1": "2000-01-01"})
        assert conn.execute(bound.psycopg_sql, bound.values).fetchall() == [(2,)]
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (2,)  # still there
        bound = bind(sql, {"name": "x", "id": "two", "1": "2000-01-01"})
        with pytest.raises(psycopg.errors.InvalidTextRepresentation, match='type integer: "two"'):
            conn.execute(bound.psycopg_sql, bound.values)
        with pytest.raises(psycopg.errors.UndefinedTable):
            describe_parameters(conn, "SELECT * FROM nowhere WHERE id = :id")


def test_a_file_round_trips_byte_for_byte_and_edits_keep_the_rest() -> None:
    parsed = parse_saved(TEAM_FILE)
    assert parsed.render() == TEAM_FILE
    posts = parsed.get("latest_posts")
    assert posts is not None and posts.description == "The newest posts of an author"
    assert posts.sql.startswith("-- a comment that belongs") and posts.sql.endswith("LIMIT 20")
    parsed.upsert(SavedQuery("progress", "SELECT 1", description="replaced"))
    parsed.upsert(SavedQuery("new_one", "SELECT :x"))
    text = parsed.render()
    assert text.startswith(TEAM_FILE[:TEAM_FILE.index("-- name: progress")])
    assert "-- name: progress\n-- description: replaced\nSELECT 1;\n\n-- name: new_one\nSELECT :x;\n" in text
    assert parse_saved(text).render() == text
    assert parsed.remove("latest_posts") and not parsed.remove("latest_posts")


@pytest.mark.parametrize(("text", "message"), [
    ("-- name: a b\nSELECT 1", "line 1: `-- name: a b`: a name is"),
    ("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2", "line 3: the name 'a' is used twice"),
    ("\n-- name: empty\n-- just a comment\n", "line 2: the query 'empty' has no statement"),
    ("-- name: v\n-- versions: new\nSELECT 1", "expected e.g. 13, 13+ or 12-14"),
])
def test_a_file_that_does_not_parse_says_where(text: str, message: str) -> None:
    with pytest.raises(SavedFileError, match=re.escape(message)):
        parse_saved(text, Path("q.sql"))


def test_the_library_finds_project_then_profile_then_health_and_remembers_values(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text(TEAM_FILE)
    library = SavedLibrary.load("shop", tmp_path)
    assert library.problems == []
    path = library.save(SavedQuery("mine", "SELECT :who", description="my own"), "profile")
    assert path == profile_file_path("shop") and path.stat().st_mode & 0o777 == 0o600
    library.save(SavedQuery("latest_posts", "SELECT 2"), "profile")  # hidden by the project's
    names = [q.name for q in SavedLibrary.load("shop", tmp_path).queries()]
    assert names[:3] == ["latest_posts", "progress", "mine"] and "health.table_sizes" in names
    assert library.find("latest_posts").scope == "project"
    with pytest.raises(KeyError, match="no saved query named 'nope'"):
        library.find("nope")
    mine = library.find("mine")
    library.remember_values(mine, {"who": "ann", "skipped": None})
    assert SavedLibrary.load("shop", tmp_path).remembered_values(mine) == {"who": "ann"}
    (tmp_path / PROJECT_FILE).write_text("-- name: bad name\nSELECT 1")
    broken = SavedLibrary.load("shop", tmp_path)
    assert "bad name" in broken.problems[0] and broken.find("mine").sql == "SELECT :who"
