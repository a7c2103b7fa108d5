"""Editing in Browse, as a service: staged changes applied in one transaction, read
back over a separate connection, against the suite's real PostgreSQL and SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from helpers.browse_editing import Editing
from helpers.topology_rig import PgBouncer, Replica

from tui.db import Database, open_database
from tui.db.reader import source_for
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.browse import describe_relation
from tui.services.browse.edit_apply import ApplyFailed, ChangeWriter, check_value
from tui.services.browse.edit_sql import bytea_refusal, change_statements, sql_preview
from tui.services.browse.editable import edit_target
from tui.services.browse.edits import DEFAULT, ChangeSet, SeenRow

ODD = 'odd "name" here'
ODD_QUOTED = '"odd ""name"" here"'
SETUP = f"""
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE things (
  id int PRIMARY KEY, label text, note text DEFAULT 'fresh', at timestamptz, tags text[],
  doc jsonb, feel mood, raw bytea, code varchar(5), qty numeric(8,2) CHECK (qty >= 0), ok boolean,
  uid uuid, big text);
INSERT INTO things VALUES
  (1, 'one', 'a', '2024-01-02 03:04:05+00', '{{a,b}}', '{{"k": 1}}', 'ok', '\\xdead', 'abc', 1.5, true,
   '00000000-0000-0000-0000-000000000001', repeat('z', 900)),
  (2, 'two', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 'three', '', NULL, NULL, NULL, NULL, NULL, NULL, 0, false, NULL, NULL);
CREATE TABLE pairs (a text, b int, v text, PRIMARY KEY (a, b));
INSERT INTO pairs VALUES ('x', 1, 'p'), ('x', 2, 'q');
CREATE TABLE {ODD_QUOTED} ("the ""key"" col" int PRIMARY KEY, "a value" text);
INSERT INTO {ODD_QUOTED} VALUES (1, 'v');
CREATE TABLE heap (a int, b text);
INSERT INTO heap VALUES (1, 'h');
CREATE VIEW plain_view AS SELECT id, label FROM things;
CREATE VIEW joined_view AS SELECT t.id, p.v FROM things t CROSS JOIN pairs p;
CREATE TABLE serial_rows (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO serial_rows (name) VALUES ('first');
"""
THINGS = "SELECT id, label, note, at, tags, doc::text, feel, raw, code, qty, ok, uid FROM things ORDER BY id"


@pytest.fixture
def shop(seeded_database: Callable[[str], Database]) -> Database:
    return seeded_database(SETUP)


@pytest.fixture
def other(pg_cluster: LocalCluster, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    """Another session: reads back what was committed, changes rows under the user's feet."""
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("SET timezone = 'UTC'")
        yield conn


def test_types_round_trip_with_null_empty_and_default(shop: Database, other: psycopg.Connection[Any]) -> None:
    ed = Editing(shop, "things")
    assert ed.target.refusal == ""
    assert ed.target.column("feel").choices == ("sad", "ok", "happy")
    assert ed.target.column("code").cast_type == "character varying"
    two, three = ed.row(1), ed.row(2)
    for column, value in {"label": None, "note": "", "at": "2025-06-07 08:09:10+02", "tags": '{x,"y z",NULL}',
                          "doc": '{"b": [1, null]}', "feel": "happy", "raw": "\\x00ff", "code": "abcde",
                          "qty": "12.345", "ok": "true", "uid": "00000000-0000-0000-0000-0000000000aa"}.items():
        ed.changes.edit_cell(two, column, value)
    ed.changes.edit_cell(three, "note", DEFAULT)
    ed.changes.edit_cell(three, "label", "")
    preview = sql_preview(ed.changes)
    assert 'UPDATE "public"."things" SET "label" = NULL, "note" = $1::text' in preview
    assert "$2 = '2025-06-07 08:09:10+02'" in preview and "%s" not in preview
    assert ed.apply() == "committed: 2 updated"
    rows = other.execute(THINGS).fetchall()
    assert rows[1][1:] == (None, "", datetime(2025, 6, 7, 6, 9, 10, tzinfo=UTC),
                           ["x", "y z", None], '{"b": [1, null]}', "happy", b"\x00\xff", "abcde",
                           Decimal("12.35"), True, UUID("00000000-0000-0000-0000-0000000000aa"))
    assert rows[2][1:3] == ("", "fresh")


def test_bad_values_get_the_servers_message_and_change_nothing(shop: Database,
                                                               other: psycopg.Connection[Any]) -> None:
    ed = Editing(shop, "things")
    before = other.execute(THINGS).fetchall()
    assert "invalid input syntax for type numeric" in check_value(ed.reader, ed.target.column("qty"), "lots")
    assert "invalid input value for enum mood" in check_value(ed.reader, ed.target.column("feel"), "angry")
    assert check_value(ed.reader, ed.target.column("doc"), '{"a": 1}') == ""
    ed.changes.edit_cell(ed.row(0), "label", "changed")  # fine on its own: rolled back with the others
    ed.changes.edit_cell(ed.row(1), "code", "too long")
    with pytest.raises(ApplyFailed) as failed:
        ed.apply()
    assert "value too long for type character varying(5)" in failed.value.message
    assert failed.value.column == "code" and failed.value.statement.ref == (2,)
    ed.changes.undo()
    ed.changes.edit_cell(ed.row(1), "qty", "-1")
    with pytest.raises(ApplyFailed, match="violates check constraint"):
        ed.apply()
    assert other.execute(THINGS).fetchall() == before
    assert not ed.changes.empty  # the staged set is kept


def test_insert_duplicate_delete_composite_key_and_quoted_names(shop: Database,
                                                                other: psycopg.Connection[Any]) -> None:
    pairs = Editing(shop, "pairs")
    assert pairs.target.key == ["a", "b"]
    pairs.changes.toggle_delete(pairs.row(0))
    pairs.changes.edit_cell(pairs.row(1), "v", "Q")
    pairs.changes.insert_row({"a": "y", "b": "1", "v": None})
    assert pairs.changes.summary() == "3 changes: 1 edited, 1 inserted, 1 deleted"
    assert [s.kind for s in change_statements(pairs.changes)] == ["delete", "update", "insert"]
    assert pairs.apply() == "committed: 1 updated, 1 inserted, 1 deleted"
    assert other.execute("SELECT * FROM pairs ORDER BY a, b").fetchall() == [("x", 2, "Q"), ("y", 1, None)]

    odd = Editing(shop, ODD)
    odd.changes.edit_cell(odd.row(0), "a value", "w'; DROP TABLE pairs; --")
    odd.changes.duplicate_row(["1", "v"])
    odd.changes.edit_inserted(0, 'the "key" col', "2")
    assert odd.apply() == "committed: 1 updated, 1 inserted"
    assert other.execute(f"SELECT * FROM {ODD_QUOTED} ORDER BY 1").fetchall() == [
        (1, "w'; DROP TABLE pairs; --"), (2, "v")]

    serial = Editing(shop, "serial_rows")
    serial.changes.duplicate_row(["1", "first"])  # the serial key is left to its default
    assert serial.apply() == "committed: 1 inserted"
    assert other.execute("SELECT * FROM serial_rows ORDER BY id").fetchall() == [(1, "first"), (2, "first")]


def test_a_row_changed_since_it_was_read_stops_everything(shop: Database, other: psycopg.Connection[Any]) -> None:
    ed = Editing(shop, "things")
    ed.changes.edit_cell(ed.row(0), "label", "mine")
    ed.changes.edit_cell(ed.row(1), "label", "mine too")  # a cut cell (big) on row 0 is matched by its prefix
    other.execute("UPDATE things SET note = 'theirs' WHERE id = 2")
    with pytest.raises(ApplyFailed) as failed:
        ed.apply()
    conflict = failed.value.conflict
    assert conflict is not None and conflict.differences() == [("note", None, "theirs")]
    assert "changed by someone else" in failed.value.message and "nothing was applied" in failed.value.message
    assert other.execute("SELECT label FROM things ORDER BY id").fetchall() == [("one",), ("two",), ("three",)]
    other.execute("DELETE FROM things WHERE id = 3")
    fresh = Editing(shop, "things")
    fresh.changes.toggle_delete(fresh.row(0))
    fresh.changes.toggle_delete(SeenRow((3,), ed.row(2).values))
    with pytest.raises(ApplyFailed, match="was deleted by someone else"):
        fresh.apply()
    assert other.execute("SELECT count(*) FROM things").fetchone() == (2,)


def test_refusals(shop: Database, socket_profile: Profile, pg_cluster: LocalCluster, pg_database: str,
                  other: psycopg.Connection[Any]) -> None:
    assert "not updatable" in Editing(shop, "joined_view").target.refusal
    assert Editing(shop, "plain_view").target.refusal == ""  # auto-updatable, shows things.id
    assert "no primary key" in Editing(shop, "heap").target.refusal
    read_only = open_database(socket_profile.with_changes(read_only=True))
    try:
        target = Editing(read_only, "things").target
        assert target.refusal.startswith("read-only")
        with pytest.raises(ValueError, match="read-only"):
            ChangeSet(target).edit_cell(SeenRow((1,), ()), "label", "x")
    finally:
        read_only.close()
    other.execute("CREATE ROLE clerk LOGIN; GRANT SELECT, INSERT ON things TO clerk;"
                  "GRANT UPDATE (label) ON things TO clerk")
    clerk = open_database(socket_profile.with_changes(user="clerk"))
    try:
        target = Editing(clerk, "things").target
        assert target.update_refusal("label") == ""
        assert "no column privilege" in target.update_refusal("note")
        assert "may not DELETE" in target.action_refusal("delete")
    finally:
        clerk.close()
        other.execute("DROP OWNED BY clerk; DROP ROLE clerk")


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[tuple[Database, Path]]:
    path = tmp_path / "lite.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE "we""ird" (id integer primary key, name text, b blob);
            INSERT INTO "we""ird" VALUES (1, 'one', x'00ff'), (2, NULL, NULL);
            CREATE TABLE pairs (a text, b int, v text, PRIMARY KEY (a, b)) WITHOUT ROWID;
            INSERT INTO pairs VALUES ('x', 1, 'p');
            CREATE VIEW names AS SELECT name FROM "we""ird";
        """)
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path)))
    yield database, path
    database.close()


def test_sqlite_round_trip_conflict_and_refusals(lite: tuple[Database, Path]) -> None:
    database, path = lite
    ed = Editing(database, 'we"ird', None)
    assert ed.target.key == ["rowid"]
    ed.changes.edit_cell(ed.row(0), "name", "")
    ed.changes.edit_cell(ed.row(1), "b", "x'beef'")
    ed.changes.insert_row({"name": "new"})
    assert "rowid = $" in sql_preview(ed.changes)
    assert ed.apply() == "committed: 2 updated, 1 inserted"
    with sqlite3.connect(path) as conn:
        assert conn.execute('SELECT * FROM "we""ird" ORDER BY id').fetchall() == [
            (1, "", b"\x00\xff"), (2, None, b"\xbe\xef"), (3, "new", None)]
        conn.execute('UPDATE "we""ird" SET name = \'theirs\' WHERE id = 1')
    ed.changes.applied()
    ed.changes.toggle_delete(ed.row(0))  # saw name 'one'
    with pytest.raises(ApplyFailed, match="changed by someone else"):
        ed.apply()
    pairs = Editing(database, "pairs", None)
    assert pairs.target.key == ["a", "b"]
    assert "a view" in Editing(database, "names", None).target.refusal
    read_only = open_database(Profile(name="ro", driver="sqlite", path=str(path), read_only=True))
    try:
        assert Editing(read_only, "pairs", None).target.refusal.startswith("read-only")
    finally:
        read_only.close()


def test_undo_steps_back_one_change_at_a_time_through_every_kind(lite: tuple[Database, Path]) -> None:
    database, _ = lite
    ed = Editing(database, 'we"ird', None)
    changes = ed.changes

    def state() -> tuple[object, ...]:
        return ({key: dict(edit.cells) for key, edit in changes.edits.items()}, set(changes.deletes),
                [(dict(row.cells), row.duplicated) for row in changes.inserts], dict(changes.errors))

    seen = [state()]
    steps: list[Callable[[], object]] = [
        lambda: changes.edit_cell(ed.row(0), "name", "first"),
        lambda: changes.edit_cell(ed.row(0), "name", None),  # the same cell again
        lambda: changes.edit_cell(ed.row(0), "b", DEFAULT),
        lambda: (changes.edit_cell(ed.row(1), "name", "way too long"),  # and the server check's answer
                 changes.errors.__setitem__((ed.row(1).key, "name"), "too long")),
        lambda: changes.edit_cell(ed.row(1), "name", "fixed"),  # clears that error
        lambda: changes.toggle_delete(ed.row(1)),
        lambda: changes.insert_row({"name": "new"}),
        lambda: changes.edit_inserted(0, "b", "x'01'"),
        lambda: changes.duplicate_row(["9", "copy", None]),
        lambda: changes.drop_insert(0),
        lambda: changes.toggle_delete(ed.row(1)),  # unmarked again
        changes.discard,
        lambda: changes.edit_cell(ed.row(1), "name", "after the discard"),
    ]
    for step in steps:
        step()
        seen.append(state())
    assert changes.staged_value(ed.row(1).key, "name") == (True, "after the discard")
    undone = 0
    while changes.undo():  # each undo returns to the state before one change, a cell's error with it
        undone += 1
        assert state() == seen[-1 - undone]
    assert undone == len(steps)
    changes.edit_cell(ed.row(0), "name", "x")
    changes.applied()
    assert changes.empty and not changes.undo()
    redone = [changes.edit_cell(ed.row(0), "name", str(n)) for n in range(2000)]  # one row, many changes
    assert len(redone) == 2000 and changes.staged_value(ed.row(0).key, "name") == (True, "1999")
    for _ in range(2000):
        assert changes.undo()
    assert changes.empty and changes.staged_value(ed.row(0).key, "name") == (False, None)


def test_a_percent_sign_in_a_name_is_not_a_placeholder(shop: Database, other: psycopg.Connection[Any]) -> None:
    other.execute('CREATE TABLE "100%" (id int PRIMARY KEY, "a %s b" text); INSERT INTO "100%" VALUES (1, \'x\')')
    relation = describe_relation(source_for(shop), "public", "100%")
    target = edit_target(source_for(shop), relation, shop.profile, shop.info)
    changes = ChangeSet(target)
    changes.edit_cell(SeenRow((1,), ("1", "x")), "a %s b", "y")
    ChangeWriter(shop, source_for(shop)).apply(changes)
    assert other.execute('SELECT "a %s b" FROM "100%"').fetchone() == ("y",)


def test_a_timeout_or_a_lost_connection_during_save_changes_nothing(
        shop: Database, socket_profile: Profile, pg_cluster: LocalCluster, pg_database: str,
        other: psycopg.Connection[Any]) -> None:
    import threading
    import time

    with psycopg.connect(pg_cluster.socket_conninfo(pg_database)) as locker:
        locker.execute("SELECT * FROM things WHERE id = 2 FOR UPDATE")  # held until the block ends
        hurried = open_database(socket_profile.with_changes(statement_timeout="300ms"))
        try:
            ed = Editing(hurried, "things")
            ed.changes.edit_cell(ed.row(0), "label", "first")
            ed.changes.edit_cell(ed.row(1), "label", "locked")
            with pytest.raises(ApplyFailed, match="statement timeout"):
                ed.apply()
        finally:
            hurried.close()
        ed = Editing(shop, "things")
        ed.changes.edit_cell(ed.row(0), "label", "first")
        ed.changes.edit_cell(ed.row(1), "label", "locked")
        failures: list[ApplyFailed] = []

        def save() -> None:
            try:
                ed.apply()
            except ApplyFailed as exc:
                failures.append(exc)

        saving = threading.Thread(target=save)
        saving.start()
        for _ in range(100):  # the save waits on the row lock: its connection is cut there
            waiting = other.execute("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND datname = current_database()").fetchall()
            if waiting:
                other.execute("SELECT pg_terminate_backend(%s)", waiting[0])
                break
            time.sleep(0.05)
        saving.join(10)
    assert failures and failures[0].connection_lost and "rolled the transaction back" in failures[0].message
    assert other.execute("SELECT label FROM things ORDER BY id").fetchall() == [("one",), ("two",), ("three",)]


def test_a_change_set_in_one_round_trip_through_pgbouncer_in_transaction_pooling(
        pgbouncer: PgBouncer, pg_database: str, other: psycopg.Connection[Any]) -> None:
    other.execute("CREATE TABLE many (id int PRIMARY KEY, label text, qty int CHECK (qty >= 0));"
                  "INSERT INTO many SELECT g, 'old ' || g, g FROM generate_series(1, 40) g")
    database = open_database(Profile(name="pooled", host="127.0.0.1", port=pgbouncer.port, database=pg_database,
                                     user=pgbouncer.user, sslmode="disable"), pgbouncer.password)

    def forty_labels(run: str) -> Editing:
        ed = Editing(database, "many")
        for row in range(40):  # the same statement 40 times: no server-side prepared statement
            ed.changes.edit_cell(ed.row(row), "label", f"{run} {row + 1}")
        return ed

    labels = "SELECT label FROM many ORDER BY id"
    try:
        assert database.info.pooler == "pgbouncer"
        assert forty_labels("new").apply() == "committed: 40 updated"
        assert other.execute(labels).fetchall() == [(f"new {i}",) for i in range(1, 41)]

        ed = forty_labels("again")
        ed.changes.edit_cell(ed.row(29), "qty", "-1")
        other.execute("UPDATE many SET label = 'theirs' WHERE id = 4")
        with pytest.raises(ApplyFailed) as failed:  # row 4 comes first: as if run one by one
            ed.apply()
        assert failed.value.conflict is not None and failed.value.statement.ref == (4,)
        assert failed.value.conflict.differences() == [("label", "new 4", "theirs")]

        ed = forty_labels("again")
        ed.changes.edit_cell(ed.row(29), "qty", "-1")
        with pytest.raises(ApplyFailed, match="violates check constraint") as failed:
            ed.apply()
        assert failed.value.statement.ref == (30,) and failed.value.statement.columns == ["label", "qty"]
        assert not ed.changes.empty  # the staged set is kept
        assert other.execute(labels).fetchall() == [("theirs" if i == 4 else f"new {i}",) for i in range(1, 41)]
    finally:
        database.close()


def test_a_standby_refuses_every_edit(pg_replica: Replica) -> None:
    # The session's replica is never promoted; any relation will do: the refusal comes first.
    replica = pg_replica.cluster
    database = open_database(Profile(name="standby", host=str(replica.socket_dir), port=replica.port,
                                     database="postgres", user=replica.superuser, password="none"))
    try:
        target = Editing(database, "pg_database", schema="pg_catalog").target
        assert "standby (in recovery) accepts no writes" in target.refusal
        with pytest.raises(ValueError, match="standby"):
            ChangeSet(target).edit_cell(SeenRow((1,), ()), "datname", "x")
    finally:
        database.close()



def test_bytea_is_typed_as_hex_with_or_without_the_prefix(shop: Database, other: psycopg.Connection[Any]) -> None:
    ed = Editing(shop, "things")
    raw = ed.target.column("raw")
    for text in ("cafe", "\\xcafe", "\\XCaFe", " cafe ", ""):
        assert bytea_refusal(raw, text) == "", text
    assert "odd number of digits (3)" in bytea_refusal(raw, "caf")
    assert "'z' is not a hex digit" in bytea_refusal(raw, "\\xzz")
    assert bytea_refusal(ed.target.column("label"), "caf") == ""  # only bytea columns
    ed.changes.edit_cell(ed.row(0), "raw", "cafe")
    ed.changes.edit_cell(ed.row(1), "raw", "\\x00FF")
    ed.changes.insert_row({"id": "4", "raw": ""})
    assert "$1 = '\\xcafe'" in sql_preview(ed.changes)
    assert ed.apply() == "committed: 2 updated, 1 inserted"
    assert other.execute("SELECT raw FROM things ORDER BY id").fetchall() == [
        (b"\xca\xfe",), (b"\x00\xff",), (None,), (b"",)]
    # Applied anyway, a bad value gets the server's refusal: never stored as escape-format text.
    ed = Editing(shop, "things")
    ed.changes.edit_cell(ed.row(2), "raw", "caf")
    with pytest.raises(ApplyFailed, match="hexadecimal"):
        ed.apply()
    assert other.execute("SELECT raw FROM things WHERE id = 3").fetchone() == (None,)
