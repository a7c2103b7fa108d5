"""Copy formats round-trip: CSV/TSV parse back, JSON loads back, Markdown renders
as a table, INSERTs re-run into a copy of the table give the same rows (real
PostgreSQL and SQLite)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from decimal import Decimal

import psycopg
from markdown_it import MarkdownIt

from tui.demo.cluster import LocalCluster
from tui.services.copy_formats import CopySource, copy_rows, parse_table_name, table_identifier

ODD = ["plain", "", None, 'say "hi", ok', "tab\there", "two\nlines", "pipe | and \\ back", "ünïcødé 茶 🫖",
       "it's", "NULL"]
COLUMNS = ["id", "text value", "n"]
ROWS: list[list[str | None]] = [[str(i), v, None if i % 3 else f"{i}.50"] for i, v in enumerate(ODD)]
SOURCE = CopySource(COLUMNS, numeric=[True, False, True])


def test_csv_and_tsv_parse_back_to_the_same_values() -> None:
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        copied = copy_rows(fmt, SOURCE, ROWS, len(ROWS))
        parsed = list(csv.reader(io.StringIO(copied.text), delimiter=delimiter))
        assert parsed[0] == COLUMNS
        # csv gives '' for NULL: the text tells them apart (NULL empty, '' quoted) as COPY CSV does
        assert parsed[1:] == [["" if v is None else v for v in row] for row in ROWS]
        assert copied.rows == len(ROWS) and not copied.capped
    assert "\n1,\"\",\n2,,\n" in copy_rows("csv", SOURCE, ROWS, len(ROWS)).text.replace("\r", "")


def test_json_loads_back_with_json_types() -> None:
    source = CopySource(["id", "ok", "doc", "id"], numeric=[True, False, False, True],
                        types=["", "boolean", "jsonb", ""])
    rows = [["1", "t", '{"a": [1, 2.5]}', "12345678901234567890.123"], [None, "f", None, "NaN"]]
    loaded = json.loads(copy_rows("json", source, rows, 2).text, parse_float=Decimal)
    assert loaded == [{"id": 1, "ok": True, "doc": {"a": [1, Decimal("2.5")]},
                       "id_2": Decimal("12345678901234567890.123")},
                      {"id": None, "ok": False, "doc": None, "id_2": "NaN"}]
    assert json.loads(copy_rows("json", SOURCE, ROWS, len(ROWS)).text)[2] == {"id": 2, "text value": None, "n": None}
    assert copy_rows("json", SOURCE, [], 0).text == "[]"


def test_markdown_renders_as_a_table_with_every_value_in_its_cell() -> None:
    text = copy_rows("markdown", SOURCE, ROWS, len(ROWS)).text
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    cells: list[str] = []
    for token in tokens:
        if token.type == "inline":
            cells.append("".join(child.content if child.type == "text" else "\n" if child.type == "html_inline"
                                 else "" for child in token.children or []))
    assert [t.type for t in tokens][0] == "table_open"
    assert cells[:3] == COLUMNS
    body = [cells[i:i + 3] for i in range(3, len(cells), 3)]
    assert len(body) == len(ROWS)
    assert body[6][1] == "pipe | and \\ back"  # the pipe did not split the row
    assert body[5][1].replace("<br>", "\n") == "two\nlines" or body[5][1] == "two\nlines"
    assert body[2][1] == "NULL" and body[1][1] == ""
    assert "|---:|---|---:|" in text


def test_the_copy_stops_before_the_limit_and_says_how_many_rows() -> None:
    rows = ([str(i), "x" * 50, None] for i in range(1_000_000))  # lazily: only what fits is read
    copied = copy_rows("tsv", SOURCE, rows, 1_000_000, limit=10_000)
    assert copied.capped and 0 < copied.rows < 1_000
    assert len(copied.text) <= 10_000 and copied.text.count("\n") == copied.rows


def test_table_names_are_parsed_and_quoted() -> None:
    assert parse_table_name("") == (None, "result")
    assert parse_table_name("public.items") == ("public", "items")
    assert parse_table_name('"my schema"."odd.name"') == ("my schema", "odd.name")
    assert table_identifier("a\"b", "t") == '"a""b"."t"'


PG_TABLE = '''
create table "odd ""table""" (
    id int primary key, t text, n numeric(30,10), ts timestamptz, arr text[], ints int[], j jsonb,
    b bytea, ok boolean, d date, r real
);
insert into "odd ""table""" values
    (1, 'plain', 1.5, '2024-02-29 12:34:56.789+02', '{a,"b c","",NULL,"q\\"uote"}', '{1,2,3}',
     '{"k": [1, "two", null], "u": "茶"}', '\\x00ff10', true, '2024-01-01', 1.25),
    (2, '', -0.0000000001, null, '{}', null, '"just a string"', '\\x', false, null, 'NaN'),
    (3, null, null, '-infinity', null, '{}', 'null', null, null, 'infinity', '-Infinity'),
    (4, E'it''s\\n"new"\\tline\\\\ | ünï', 12345678901234567890.0123456789, '1999-12-31 23:59:59+00',
     '{"with,comma","with}brace"}', '{-1}', '[]', '\\x27', true, '0001-01-01 BC', 3.4e38);
'''


def test_inserts_rerun_into_a_copy_of_the_table_give_the_same_rows(pg_cluster: LocalCluster,
                                                                     pg_database: str) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(PG_TABLE)
        table = '"odd ""table"""'
        described = conn.execute(
            "select attname, format_type(atttypid, atttypmod), typcategory = 'N' from pg_attribute a "
            "join pg_type t on t.oid = atttypid where attrelid = %s::regclass and attnum > 0 order by attnum",
            [table]).fetchall()
        names = [r[0] for r in described]
        texts = ", ".join(f"{psycopg.sql.Identifier(n).as_string(conn)}::text" for n in names)
        rows = [list(r) for r in conn.execute(f"select {texts} from {table} order by id").fetchall()]
        # Browse: the table's own name and types (casts); the result grid: a placeholder, no types
        conn.execute(f'create schema copy; create table copy.{table} (like {table}); '
                     f'create table result (like {table})')
        browse = CopySource(names, [r[2] for r in described], [r[1] for r in described],
                            table=("copy", 'odd "table"'))
        grid = CopySource(names, [r[2] for r in described])
        for source, target in ((browse, f"copy.{table}"), (grid, "result")):
            statements = copy_rows("insert", source, rows, len(rows)).text
            assert statements.count("INSERT INTO") == 4
            conn.execute(statements)
            restored = conn.execute(f"select {texts} from {target} order by id").fetchall()
            assert [list(r) for r in restored] == rows


def test_sqlite_inserts_rerun_into_a_copy_give_the_same_rows() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute('create table "t""x" (id integer primary key, s text, r real, b blob, n numeric, any_)')
    conn.executemany('insert into "t""x" values (?, ?, ?, ?, ?, ?)', [
        (1, "it's\n\"q\" ünï", 1.5, b"\x00\xff'", 10, "x41"),
        (2, "", None, b"", -3.25, "7 apples"),
        (3, None, -0.0, None, None, None),
    ])
    shown = ("CASE WHEN typeof({c}) = 'blob' THEN 'x''' || hex({c}) || '''' ELSE CAST({c} AS TEXT) END")
    columns = ["id", "s", "r", "b", "n", "any_"]
    select = ", ".join(shown.format(c=c) for c in columns)
    rows = [list(r) for r in conn.execute(f'select {select} from "t""x" order by id')]
    source = CopySource(columns, [True, False, True, False, True, False], table=(None, 't"x'), dialect="sqlite")
    text = copy_rows("insert", source, rows, len(rows)).text
    conn.execute('create table copy_of as select * from "t""x" where 0')
    conn.executescript(text.replace('INSERT INTO "t""x"', "INSERT INTO copy_of"))
    typed = "select *, typeof(s), typeof(b), typeof(any_) from {} order by id"
    assert conn.execute(typed.format("copy_of")).fetchall() == conn.execute(typed.format('"t""x"')).fetchall()
