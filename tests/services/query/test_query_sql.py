"""Statement splitting and classification: PostgreSQL's lexer, not a regex."""

from __future__ import annotations

import pytest

from tui.services.query.classify import can_stream, is_write, transaction_control, unbounded_update_or_delete
from tui.services.query.history import redact_statement
from tui.services.query.splitter import (
    location_to_offset,
    offset_to_location,
    split_statements,
    statement_at,
)

BUFFER = r"""select 1;
select ';' as semi, 'it''s; fine';
select E'esc\'aped; still';
create function add(a int, b int) returns int language sql
begin atomic
  select case when a > 0 then a + b else b end;
  select 2;
end;
do $$ begin raise notice 'a;b'; end $$;
create function f() returns text as $fn$ select 'x;y' $fn$ language sql;
-- a comment; with a semicolon
select /* inline; */ 3
"""


def test_splits_postgresql_correctly() -> None:
    texts = [s.text for s in split_statements(BUFFER)]
    assert texts[0] == "select 1"
    assert texts[1] == "select ';' as semi, 'it''s; fine'"
    assert texts[2] == r"select E'esc\'aped; still'"
    assert texts[3].startswith("create function add") and texts[3].endswith("end")
    assert texts[4] == "do $$ begin raise notice 'a;b'; end $$"
    assert texts[5].endswith("$fn$ language sql")
    assert texts[6] == "-- a comment; with a semicolon\nselect /* inline; */ 3" or texts[6].endswith("3")
    assert len(texts) == 7


def test_offsets_point_into_the_buffer() -> None:
    for statement in split_statements(BUFFER):
        assert BUFFER[statement.start:statement.end] == statement.text


def test_unterminated_quote_is_one_statement() -> None:
    [statement] = split_statements("select 'oops; select 2")
    assert statement.text == "select 'oops; select 2"


def test_sqlite_trigger_body_is_not_split() -> None:
    texts = [s.text for s in split_statements(
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN INSERT INTO b VALUES (1); UPDATE c SET x = 1; END; SELECT 1")]
    assert len(texts) == 2 and texts[0].endswith("END")


def test_statement_at_cursor() -> None:
    statements = split_statements("select 1;\nselect 2;\n")
    assert statement_at(statements, 3).text == "select 1"
    assert statement_at(statements, 12).text == "select 2"
    assert statement_at(statements, 20).text == "select 2"  # after the last semicolon


def test_locations_round_trip() -> None:
    text = "select 1,\n  nosuch\nfrom t"
    offset = text.index("nosuch")
    assert offset_to_location(text, offset) == (1, 2)
    assert location_to_offset(text, 1, 2) == offset


@pytest.mark.parametrize(
    ("sql", "write", "unbounded", "stream"),
    [
        ("select * from t", False, False, True),
        ("with x as (select 1) select * from x", False, False, True),
        ("with x as (delete from t returning *) select * from x", True, False, False),
        ("update t set a = 1", True, True, False),
        ("update t set a = 1 where id = 1", True, False, False),
        ("delete from t", True, True, False),
        ("delete from t where id in (select id from u)", True, False, False),
        ("delete from t using u where t.id = u.id", True, False, False),
        ("truncate t", True, False, False),
        ("create table t (id int)", True, False, False),
        ("insert into t select * from u", True, False, False),
        ("explain select 1", False, False, False),
        ("explain analyze delete from t", True, True, False),
        ("select * into newtable from t", True, False, False),
        ("values (1), (2)", False, False, True),
        ("show work_mem", False, False, False),
    ],
)
def test_classification(sql: str, write: bool, unbounded: bool, stream: bool) -> None:
    [statement] = split_statements(sql)
    assert is_write(statement) is write
    assert unbounded_update_or_delete(statement) is unbounded or sql.startswith("explain")
    assert can_stream(statement) is stream


def test_transaction_control() -> None:
    assert [transaction_control(s) for s in split_statements("begin; commit; rollback; rollback to a; select 1")] == [
        "begin", "commit", "rollback", None, None]


@pytest.mark.parametrize(
    ("sql", "secret"),
    [
        ("CREATE ROLE app LOGIN PASSWORD 'S3cret-1'", "S3cret-1"),
        ("alter user app with password 'it''s-S3cret'", "S3cret"),
        ("select dblink_connect('host=db user=app password=Hunter22 dbname=x')", "Hunter22"),
        ("select * from dblink('postgresql://app:Hunter22@db/x', 'select 1') as t(a int)", "Hunter22"),
    ],
)
def test_history_redacts_passwords(sql: str, secret: str) -> None:
    redacted = redact_statement(sql)
    assert secret not in redacted and "***" in redacted


def completion_catalog():
    from tui.services.query.completion import CompletionCatalog

    return CompletionCatalog(
        schemas=["public", "shop"],
        tables=[("shop", "orders"), ("shop", "order_items"), ("public", "users")],
        columns={"orders": ["id", "ordered_at", "user_id"], "shop.orders": ["id", "ordered_at", "user_id"],
                 "users": ["id", "email"], "public.users": ["id", "email"]},
        functions=["ordinality", "now"],
    )


def test_completion_of_columns_from_the_statements_tables() -> None:
    from tui.services.query.completion import complete

    text = "select ord from shop.orders o join users u on u.id = o.user_id"
    start, found = complete(text, len("select ord"), completion_catalog())
    assert start == len("select ")
    assert [c.text for c in found][:2] == ["ordered_at", "ORDER"]
    _, qualified = complete("select u.em from users u", len("select u.em"), completion_catalog())
    assert [c.text for c in qualified] == ["email"]
    _, in_schema = complete("select * from shop.ord", len("select * from shop.ord"), completion_catalog())
    assert [c.text for c in in_schema] == ["orders", "order_items"]
