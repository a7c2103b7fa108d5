"""The Browse services on SQLite: rowid, WITHOUT ROWID keys, views, blobs, hostile names."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.db import Database, open_database
from tui.db.reader import QueryError, Source, source_for
from tui.profiles import Profile
from tui.services.browse import (
    KeysetPager,
    describe_relation,
    full_row,
    load_structure,
    row_as_insert,
)


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "lite.db"
    with sqlite3.connect(path) as conn:
        conn.executescript("""
            CREATE TABLE "select ""x""; --" (id integer primary key, name text, n real, b blob);
            CREATE TABLE pairs (a text, b int, v text, PRIMARY KEY (a, b)) WITHOUT ROWID;
            CREATE TABLE parent (id integer primary key);
            CREATE TABLE child (id integer primary key, parent_id int REFERENCES parent(id));
            CREATE VIEW named AS SELECT name FROM "select ""x""; --";
        """)
        conn.executemany('INSERT INTO "select ""x""; --" VALUES (?, ?, ?, ?)',
                         [(i, None if i % 5 == 0 else f"名前{i:03}", i / 2, b"\x00\xff" if i == 1 else None)
                          for i in range(1, 121)])
        conn.executemany("INSERT INTO pairs VALUES (?, ?, ?)", [(f"k{i % 7}", i, "v") for i in range(90)])
    database = open_database(Profile(name="lite", driver="sqlite", path=str(path), read_only=True))
    yield database
    database.close()


def collect(pager: KeysetPager) -> list[list[str | None]]:
    page = pager.first()
    rows = list(page.rows)
    while not page.at_end:
        page = pager.next()
        rows += page.rows
    return rows


def test_rowid_paging_sort_and_blob(lite: Database) -> None:
    source = source_for(lite)
    relation = describe_relation(source, None, 'select "x"; --')
    assert relation.key_mode == "rowid"
    pager = KeysetPager(source, relation, page_size=25)
    rows = collect(pager)
    assert [r[0] for r in rows] == [str(i) for i in range(1, 121)]
    assert rows[0][3] == "x'00FF'" and rows[4][1] is None
    assert [r[0] for r in pager.last().rows] == [str(i) for i in range(96, 121)]
    assert [r[0] for r in pager.previous().rows] == [str(i) for i in range(71, 96)]
    by_name = collect(KeysetPager(source, relation, page_size=10, sort="name", descending=True))
    assert [r[1] for r in by_name[:24]] == [None] * 24 and by_name[24][1] == "名前119"
    assert full_row(source, relation, pager.first().keys[0])[3] == "x'00FF'"  # type: ignore[index]
    assert row_as_insert(relation, rows[1], "sqlite") == (
        'INSERT INTO "select ""x""; --" ("id", "name", "n", "b") VALUES (2, \'名前002\', 1.0, NULL);')
    with pytest.raises(QueryError):
        KeysetPager(source, relation, where="nope = 1").first()


def test_without_rowid_composite_key_and_view(lite: Database) -> None:
    source = source_for(lite)
    pairs = describe_relation(source, None, "pairs")
    assert pairs.key == ["a", "b"] and pairs.key_mode == "key"
    rows = collect(KeysetPager(source, pairs, page_size=8))
    assert len(rows) == 90 and rows == sorted(rows, key=lambda r: (r[0], int(r[1])))
    view = describe_relation(source, None, "named")
    assert view.key_mode == "offset" and len(collect(KeysetPager(source, view, page_size=50))) == 120
    child = load_structure(source, describe_relation(source, None, "child"))
    assert child.outgoing[0].to_table == "parent" and "REFERENCES parent(id)" in child.ddl


SLOW_COUNT = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5000000) SELECT count(*) FROM c"


def test_closing_while_a_read_runs_waits_for_it(lite: Database) -> None:
    """Leaving the workspace mid-load: closing the connection under the worker's
    statement made sqlite3 fail with MemoryError or crash the process (found by the
    random-key test). Now close waits for the interrupted read to unwind."""
    import threading
    import time

    from tui.db.link import stop_and_close

    for attempt in range(10):
        source = source_for(lite)
        ended: list[object] = []

        def read(source: Source = source, ended: list[object] = ended) -> None:
            try:
                ended.append(source.rows(SLOW_COUNT))
            except Exception as exc:  # noqa: BLE001 - recorded, asserted below
                ended.append(exc)

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.01 + attempt * 0.005)
        stop_and_close(source)
        reader.join(10)
        [outcome] = ended
        assert isinstance(outcome, list) or (isinstance(outcome, QueryError) and "interrupted" in str(outcome))
