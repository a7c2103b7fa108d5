"""Keyset paging against a real PostgreSQL: keys of every shape, sort, filter."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from helpers.browse_data import HOSTILE_SCHEMA, HOSTILE_TABLE, SETUP
from psycopg import sql

from tui.db.reader import PostgresSource, QueryError
from tui.demo.cluster import LocalCluster
from tui.services.browse import KeysetPager, describe_relation


@pytest.fixture
def source(pg_cluster: LocalCluster, pg_database: str) -> Iterator[PostgresSource]:
    conninfo = pg_cluster.socket_conninfo(pg_database)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(SETUP)
    src = PostgresSource(lambda: psycopg.connect(conninfo, autocommit=True), "5s")
    yield src
    src.close()


def pager(source: PostgresSource, schema: str, name: str, **kwargs: Any) -> KeysetPager:
    return KeysetPager(source, describe_relation(source, schema, name), **kwargs)


def all_forward(p: KeysetPager) -> list[list[str | None]]:
    page = p.first()
    rows = list(page.rows)
    while not page.at_end:
        page = p.next()
        rows += page.rows
    return rows


def test_uuid_key_pages_forward_backward_and_last(source: PostgresSource) -> None:
    p = pager(source, "shop", "orders", page_size=100)
    assert p.relation.key == ["id"] and p.relation.key_mode == "key"
    first = p.first()
    assert first.at_start and not first.at_end and len(first.rows) == 100
    second = p.next()
    assert second.rows[0][0] > first.rows[-1][0]
    back = p.previous()
    assert back.rows == first.rows and back.at_start
    rows = all_forward(p)
    ids = [r[0] for r in rows]
    assert len(ids) == 1000 and ids == sorted(ids)
    last = p.last()
    assert last.at_end and [r[0] for r in last.rows] == ids[-100:]
    before_last = p.previous()
    assert [r[0] for r in before_last.rows] == ids[-200:-100]


def test_composite_key(source: PostgresSource) -> None:
    p = pager(source, "shop", "lines", page_size=7)
    assert p.relation.key == ["order_id", "line"]
    rows = all_forward(p)
    assert len(rows) == 600
    assert len({(r[0], r[1]) for r in rows}) == 600
    last = p.last()
    assert last.rows == rows[-7:]


def test_ctid_fallback_has_a_note(source: PostgresSource) -> None:
    p = pager(source, "shop", "heap", page_size=50)
    assert p.relation.key_mode == "ctid" and "ctid" in p.first().note
    assert sorted(int(r[0]) for r in all_forward(p)) == list(range(1, 131))
    assert len(p.last().rows) == 50


def test_view_pages_with_offset(source: PostgresSource) -> None:
    p = pager(source, "shop", "big_orders", page_size=100)
    assert p.relation.key_mode == "offset" and "OFFSET" in p.first().note
    assert len(all_forward(p)) == 334


def test_sort_by_nullable_column_pages_stably(source: PostgresSource) -> None:
    for descending in (False, True):
        p = pager(source, "shop", "customers", page_size=30, sort="note", descending=descending)
        rows = all_forward(p)
        assert len(rows) == 250 and len({r[0] for r in rows}) == 250
        notes = [r[2] for r in rows]
        non_null = [n for n in notes if n is not None]
        if descending:
            assert notes[:83] == [None] * 83 and non_null == sorted(non_null, reverse=True)
        else:
            assert notes[-83:] == [None] * 83 and non_null == sorted(non_null)
        # and back again from the end
        page = p.last()
        collected = list(page.rows)
        while not page.at_start:
            page = p.previous()
            collected = page.rows + collected
        assert collected == rows


def test_where_filter_and_bad_expression(source: PostgresSource) -> None:
    p = pager(source, "shop", "customers", page_size=2, where="id % 50 = 0")
    assert [r[0] for r in all_forward(p)] == ["50", "100", "150", "200", "250"]
    with pytest.raises(QueryError, match="column \"nope\" does not exist"):
        pager(source, "shop", "customers", where="nope > 1").first()
    with pytest.raises(QueryError, match="read-only"):  # a write cannot sneak in
        pager(source, "shop", "customers", where="id = 1) OR (SELECT nextval('shop.ticket_seq')) > 0 OR (false").first()
    with pytest.raises(QueryError):  # nor a second statement
        pager(source, "shop", "customers", where="true; DROP TABLE shop.heap; SELECT 1 WHERE true").first()
    assert pager(source, "shop", "heap").first().rows


def test_partitioned_table(source: PostgresSource) -> None:
    p = pager(source, "shop", "events", page_size=100)
    assert p.relation.kind == "partitioned" and p.relation.key == ["id", "at"]
    assert len(all_forward(p)) == 400
    assert p.last().rows[-1][0] == "400"


def test_hostile_identifiers(source: PostgresSource) -> None:
    p = pager(source, HOSTILE_SCHEMA, HOSTILE_TABLE, page_size=2, sort="we\"ird col")
    assert [c.name for c in p.relation.columns] == ["Order", 'we"ird col', "ünï"]
    assert [r[0] for r in all_forward(p)] == ["1", "2", "3", "4", "5"]
    assert p.at_fraction(0.5).rows


def test_page_at_fraction_uses_key_order(source: PostgresSource) -> None:
    p = pager(source, "shop", "orders", page_size=10)
    ids = [r[0] for r in all_forward(p)]
    page = p.at_fraction(0.75)
    position = ids.index(page.rows[0][0])
    assert 650 <= position <= 850
    assert [r[0] for r in page.rows] == ids[position:position + 10]


def test_cells_nulls_and_long_values(source: PostgresSource) -> None:
    p = pager(source, "shop", "docs")
    page = p.first()
    row = page.rows[0]
    assert len(row[2]) == 500 and (0, 2) in page.truncated
    assert row[3] == "\\xdeadbeef" and row[4] == "漢字テスト🚀" and row[5] == "{a,b}"
    assert page.rows[1][1] is None and page.rows[1][2] == ""


def test_structure_ddl_and_foreign_keys(source: PostgresSource) -> None:
    from tui.services.browse import load_stats, load_structure

    customers = load_structure(source, describe_relation(source, "shop", "customers"))
    assert [fk.from_table for fk in customers.incoming] == ["orders"] and not customers.outgoing
    orders = load_structure(source, describe_relation(source, "shop", "orders"))
    assert orders.outgoing[0].to_columns == ["id"]
    assert 'CREATE TABLE "shop"."orders" (' in orders.ddl
    assert "FOREIGN KEY (customer_id) REFERENCES shop.customers(id)" in orders.ddl
    assert "placed timestamp with time zone DEFAULT" in orders.ddl.replace('"placed"', "placed")
    events = load_structure(source, describe_relation(source, "shop", "events"))
    assert "PARTITION BY RANGE (at)" in events.ddl
    partition = load_structure(source, describe_relation(source, "shop", "events_2024"))
    assert "PARTITION OF shop.events" in partition.ddl and "FOR VALUES FROM" in partition.ddl
    hostile = load_structure(source, describe_relation(source, HOSTILE_SCHEMA, HOSTILE_TABLE))
    assert '"My ""Schema""; DROP"."select * from 表 🚀"' in hostile.ddl
    assert '"we""ird col" text' in hostile.ddl
    stats = dict(load_stats(source, describe_relation(source, "shop", "orders")).facts)
    assert stats["row estimate"] == "1000" and stats["kind"] == "table"
    view = load_stats(source, describe_relation(source, "shop", "big_orders"))
    assert "total > 1000" in view.definition


def test_copy_formats(source: PostgresSource) -> None:
    from tui.services.browse import full_row, row_as_insert, row_as_json

    p = pager(source, "shop", "docs")
    page = p.first()
    values = full_row(source, p.relation, page.keys[0])
    assert values is not None and len(values[2]) == 2 * 1024 * 1024
    small = full_row(source, p.relation, page.keys[1])
    assert row_as_json(p.relation, small) == (
        '{"id": 2, "body": null, "big": "", "raw": null, "wide": "abc", "tags": null}')
    insert = row_as_insert(p.relation, small)
    assert insert == ('INSERT INTO "shop"."docs" ("id", "body", "big", "raw", "wide", "tags") '
                      "VALUES ('2'::integer, NULL, ''::text, NULL, 'abc'::text, NULL);")
    json_row = row_as_json(p.relation, values)
    assert '"body": {"a": 1, "b": [true, null, "x"]}' in json_row


PERCENT_TABLE = '50% "off" rates'


def test_percent_in_names_pages_sorts_and_filters(source: PostgresSource) -> None:
    # psycopg takes a bare % in query text for a placeholder once parameters are bound.
    with source.conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE TABLE {t} (id int PRIMARY KEY, {c} text)").format(
            t=sql.Identifier("shop", PERCENT_TABLE), c=sql.Identifier("rate %s")))
        cur.execute(sql.SQL("INSERT INTO {} SELECT g, (g % 4) || '%' FROM generate_series(1, 9) g").format(
            sql.Identifier("shop", PERCENT_TABLE)))
    p = pager(source, "shop", PERCENT_TABLE, page_size=2)
    assert [c.name for c in p.relation.columns] == ["id", "rate %s"]
    assert [r[0] for r in all_forward(p)] == [str(i) for i in range(1, 10)]
    assert p.last().rows == [["8", "0%"], ["9", "1%"]] and p.previous().rows == [["6", "2%"], ["7", "3%"]]
    assert p.at_fraction(0.5).rows
    by_rate = pager(source, "shop", PERCENT_TABLE, page_size=2, sort="rate %s", descending=True)
    assert [r[1] for r in all_forward(by_rate)] == ["3%", "3%", "2%", "2%", "1%", "1%", "1%", "0%", "0%"]
    assert by_rate.last().rows
    filtered = pager(source, "shop", PERCENT_TABLE, page_size=2, where="\"rate %s\" LIKE '1%'")
    assert [r[0] for r in all_forward(filtered)] == ["1", "5", "9"]
    assert filtered.last().rows == [["5", "1%"], ["9", "1%"]]
