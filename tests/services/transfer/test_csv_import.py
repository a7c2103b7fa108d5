"""CSV import into a real PostgreSQL and a real SQLite file: odd files, a bad row
far down (nothing imported), skipped and reordered columns."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress
from tui.services.transfer.csv_import import import_csv, table_columns
from tui.services.transfer.csv_plan import CsvOptions, plan_import

PEOPLE = "CREATE TABLE public.people (id int PRIMARY KEY, name text NOT NULL, note text)"


@pytest.fixture
def people(socket_profile: Profile, pg_cluster: LocalCluster) -> Iterator[Database]:
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute(PEOPLE)
    database = open_database(socket_profile)
    yield database
    database.close()


def rows_of(database: Database) -> list[tuple[object, ...]]:
    return [tuple(row.values()) for row in database.read_rows("SELECT * FROM people ORDER BY id")]


def run_import(database: Database, profile: Profile, path: Path, options: CsvOptions | None = None,
               table: str = "people", schema: str = "public", cancel: threading.Event | None = None) -> int:
    columns = table_columns(database, schema, table)
    plan = plan_import(path, columns, options or CsvOptions())
    seen: list[TransferProgress] = []
    return import_csv(database, profile, schema, table, plan, seen.append, cancel or threading.Event()).rows


def test_bom_crlf_quoted_newlines_and_empty_versus_null(people: Database, socket_profile: Profile,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b'\xef\xbb\xbfid,name,note\r\n1,"two\r\nlines",\r\n2,plain,""\r\n3,"say ""hi""",x\r\n')
    plan = plan_import(path, ["id", "name", "note"], CsvOptions())
    assert (plan.header, plan.delimiter, plan.file_columns) == (True, ",", ["id", "name", "note"])
    assert plan.mapped_preview() == [["1", "two\r\nlines", ""], ["2", "plain", ""], ["3", 'say "hi"', "x"]]
    assert run_import(people, socket_profile, path) == 3
    assert rows_of(people) == [(1, "two\r\nlines", None), (2, "plain", ""), (3, 'say "hi"', "x")]


def test_a_bad_row_at_line_70001_of_100000_imports_nothing(people: Database, socket_profile: Profile,
                                                          tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    lines = ["id,name,note"] + [f"{i},name {i},note" for i in range(1, 100_000)]
    lines[70_000] = "abc,bad,row"  # line 70,001 of the file
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TransferError) as caught:
        run_import(people, socket_profile, path)
    assert caught.value.message == ('Line 70001 of big.csv: invalid input syntax for type integer: "abc" '
                                    "(column id). Nothing was imported.")
    assert rows_of(people) == []


def test_ragged_rows_and_wrong_encodings_are_named_by_line(people: Database, socket_profile: Profile,
                                                           tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,name,note\n1,a,b\n2,b\n")
    with pytest.raises(TransferError, match=r"^Line 3 of ragged.csv: missing data for column \"note\""):
        run_import(people, socket_profile, ragged)
    with pytest.raises(TransferError, match=r"^Line 3 has 2 values; the file has 3 columns"):
        run_import(people, socket_profile, ragged, CsvOptions(columns=("id", "name", "-")))

    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name,note\n1,ok,\n2,café,\n".encode("latin-1"))
    with pytest.raises(TransferError, match=r"^Line 3 of latin.csv is not utf-8") as caught:
        run_import(people, socket_profile, latin)
    assert "latin-1" in caught.value.hint
    assert run_import(people, socket_profile, latin, CsvOptions(encoding="latin-1")) == 2
    assert rows_of(people)[1] == (2, "café", None)


def test_columns_skipped_reordered_or_taken_by_position(people: Database, socket_profile: Profile,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    path.write_text("note\tjunk\tid\tname\nhello\tx\t7\tseven\n\\N\ty\t8\teight\n")
    assert run_import(people, socket_profile, path, CsvOptions(columns=("note", "-", "id", "name"),
                                                               null="\\N")) == 2
    assert rows_of(people) == [(7, "seven", "hello"), (8, "eight", None)]

    plain = tmp_path / "plain.csv"
    plain.write_text("9,nine,n\n10,ten,t\n")
    plan = plan_import(plain, ["id", "name", "note"], CsvOptions())
    assert (plan.header, plan.targets) == (False, ["id", "name", "note"])
    assert run_import(people, socket_profile, plain) == 2
    with pytest.raises(TransferError, match="The file's column 'nickname' is not a column of the table"):
        bad = tmp_path / "bad-header.csv"
        bad.write_text("id,nickname\n1,x\n")
        plan_import(bad, ["id", "name", "note"], CsvOptions(header=True))


def test_cancel_and_read_only_import_nothing(people: Database, socket_profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "some.csv"
    path.write_text("id,name\n" + "".join(f"{i},n\n" for i in range(1, 2000)))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TransferCancelled):
        run_import(people, socket_profile, path, cancel=cancel)
    with pytest.raises(TransferError, match="read-only"):
        run_import(people, socket_profile.with_changes(read_only=True), path)
    assert rows_of(people) == []


def test_sqlite_import_is_one_transaction(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT)")
    profile = Profile(name="app", driver="sqlite", path=str(db))
    database = open_database(profile)
    good = tmp_path / "good.csv"
    good.write_text("id,name,note\n" + "".join(f"{i},n{i},\n" for i in range(1, 12001)))
    assert run_import(database, profile, good, schema="main") == 12000
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,note\n" + "".join(f"{i},n{i},x\n" for i in range(20000, 27000)) + "30000,\\N,x\n")
    with pytest.raises(TransferError, match="^Line 7002 of bad.csv: NOT NULL constraint failed: people.name"):
        run_import(database, profile, bad, CsvOptions(null="\\N"), schema="main")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*), max(id) FROM people").fetchone() == (12000, 12000)
    database.close()


ODD = "CREATE TABLE {}odd (id int PRIMARY KEY, a text, b text, c text, junk text)"
ODD_FILE = ('\ufeffid,a,b,c,junk\r\n1,,"",x,j\r\n2,"","two\r\nlines",,j\r\n'
            '3,"say ""hi""",\\N,"\\N",j\r\n4,"a,b",,"",j\r\n5,"",\\N,"",""').encode()
# What COPY makes of ODD_FILE: an unquoted field equal to NULL is NULL; quoted ("" or "\N") it is text.
ODD_ROWS = {
    "": [(1, None, "", "x"), (2, "", "two\r\nlines", None), (3, 'say "hi"', "\\N", "\\N"), (4, "a,b", None, ""),
         (5, "", "\\N", "")],
    "\\N": [(1, "", "", "x"), (2, "", "two\r\nlines", ""), (3, 'say "hi"', None, "\\N"), (4, "a,b", "", ""),
            (5, "", None, "")],
}


@pytest.mark.parametrize("null", ["", "\\N"])
def test_copy_the_python_reader_and_sqlite_read_null_and_empty_alike(
        null: str, socket_profile: Profile, pg_cluster: LocalCluster, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(ODD_FILE)
    skip_junk = CsvOptions(null=null, columns=("id", "a", "b", "c", "-"))  # a skipped column: rows read in Python
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute(ODD.format("public."))
    database = open_database(socket_profile)
    try:
        for options in (CsvOptions(null=null), skip_junk):  # COPY parses the file; then rows read here
            assert run_import(database, socket_profile, path, options, table="odd") == 5
            back = database.read_rows("DELETE FROM odd RETURNING id, a, b, c")
            assert sorted(tuple(row.values()) for row in back) == ODD_ROWS[null], options
    finally:
        database.close()

    db = tmp_path / "odd.db"
    with sqlite3.connect(db) as conn:
        conn.execute(ODD.format(""))
    profile = Profile(name="odd", driver="sqlite", path=str(db))
    lite = open_database(profile)
    try:
        for options in (CsvOptions(null=null), skip_junk):
            assert run_import(lite, profile, path, options, table="odd", schema="main") == 5
            with sqlite3.connect(db) as conn:
                assert conn.execute("SELECT id, a, b, c FROM odd ORDER BY id").fetchall() == ODD_ROWS[null]
                conn.execute("DELETE FROM odd")
    finally:
        lite.close()
