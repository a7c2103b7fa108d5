"""Editing views in Browse: the server says which views take writes (auto-updatable,
INSTEAD rules, INSTEAD OF triggers), the base table's key identifies a row, and the
lost-update check still applies; views it cannot write keep their refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from helpers.browse_editing import Editing

from tui.db import Database, open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.browse.edit_apply import ApplyFailed

SETUP = """
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);
INSERT INTO items VALUES (1, 'pen', 2), (2, 'ink', 5), (3, 'nib', 1);
CREATE TABLE tags (id int PRIMARY KEY, item_id int, tag text);
INSERT INTO tags VALUES (1, 1, 'a'), (2, 1, 'b');
-- auto-updatable, with a column computed by an expression
CREATE VIEW cheap AS SELECT id, name, price, price * 2 AS doubled FROM items WHERE price < 4;
-- not auto-updatable (GROUP BY); an INSTEAD rule makes UPDATE (only) possible
CREATE VIEW ruled AS SELECT id, min(name) AS name FROM items GROUP BY id;
CREATE RULE ruled_update AS ON UPDATE TO ruled DO INSTEAD
  UPDATE items SET name = NEW.name WHERE id = OLD.id;
-- not auto-updatable (DISTINCT); an INSTEAD OF trigger takes updates and deletes
CREATE VIEW triggered AS SELECT DISTINCT id, name FROM items;
CREATE FUNCTION triggered_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN UPDATE items SET name = NEW.name WHERE id = OLD.id; RETURN NEW; END IF;
  DELETE FROM items WHERE id = OLD.id; RETURN OLD;
END $$;
CREATE TRIGGER triggered_write INSTEAD OF UPDATE OR DELETE ON triggered
  FOR EACH ROW EXECUTE FUNCTION triggered_write();
-- a join, and a view that hides the key: no row can be identified
CREATE VIEW joined AS SELECT i.id, t.tag FROM items i JOIN tags t ON t.item_id = i.id;
CREATE RULE joined_update AS ON UPDATE TO joined DO INSTEAD UPDATE tags SET tag = NEW.tag WHERE item_id = OLD.id;
CREATE VIEW nameless AS SELECT name, price FROM items;
CREATE VIEW frozen AS SELECT id, count(*) AS n FROM items GROUP BY id;
-- renamed: "id" here is not the base table's id
CREATE VIEW swapped AS SELECT name AS id, id::text AS name FROM items;
"""
ITEMS = "SELECT id, name, price FROM items ORDER BY id"


@pytest.fixture
def views(pg_cluster: LocalCluster, pg_database: str, socket_profile: Profile) -> Iterator[Database]:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(SETUP)
    database = open_database(socket_profile)
    yield database
    database.close()


@pytest.fixture
def other(pg_cluster: LocalCluster, pg_database: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        yield conn


def test_an_auto_updatable_view_is_edited_through_its_base_key(views: Database,
                                                               other: psycopg.Connection[Any]) -> None:
    ed = Editing(views, "cheap")
    assert ed.target.refusal == "" and ed.target.key == ["id"]
    assert ed.relation.key_mode == "offset" and "key order (id)" in ed.page.note
    assert [row[0] for row in ed.page.rows] == ["1", "3"]
    assert "computed by the view" in ed.target.update_refusal("doubled")
    with pytest.raises(ValueError, match="computed"):
        ed.changes.edit_cell(ed.row(0), "doubled", "9")
    ed.changes.edit_cell(ed.row(0), "name", "quill")
    ed.changes.toggle_delete(ed.row(1))
    ed.changes.insert_row({"id": "4", "name": "pad", "price": "1"})
    assert ed.apply() == "committed: 1 updated, 1 inserted, 1 deleted"
    assert other.execute(ITEMS).fetchall() == [(1, "quill", 2), (2, "ink", 5), (4, "pad", 1)]


def test_a_view_with_an_instead_rule_takes_what_the_rule_allows(views: Database,
                                                               other: psycopg.Connection[Any]) -> None:
    ed = Editing(views, "ruled")
    assert ed.target.refusal == "" and ed.target.key == ["id"]
    assert "cannot INSERT" in ed.target.action_refusal("insert")
    assert "cannot DELETE" in ed.target.action_refusal("delete")
    ed.changes.edit_cell(ed.row(1), "name", "toner")
    assert ed.apply() == "committed: 1 updated"
    assert other.execute(ITEMS).fetchall()[1] == (2, "toner", 5)
    # Lost-update check: the row changed since it was read, nothing is applied.
    ed = Editing(views, "ruled")
    ed.changes.edit_cell(ed.row(2), "name", "tip")
    other.execute("UPDATE items SET name = 'changed' WHERE id = 3")
    with pytest.raises(ApplyFailed, match="changed by someone else"):
        ed.apply()
    assert other.execute(ITEMS).fetchall()[2] == (3, "changed", 1)


def test_a_view_with_instead_of_triggers(views: Database, other: psycopg.Connection[Any]) -> None:
    ed = Editing(views, "triggered")
    assert ed.target.refusal == "" and ed.target.key == ["id"]
    assert "cannot INSERT" in ed.target.action_refusal("insert")
    ed.changes.edit_cell(ed.row(0), "name", "brush")
    ed.changes.toggle_delete(ed.row(2))
    assert ed.apply() == "committed: 1 updated, 1 deleted"
    assert other.execute(ITEMS).fetchall() == [(1, "brush", 2), (2, "ink", 5)]


def test_views_that_cannot_be_written_or_keyed_keep_their_refusal(views: Database) -> None:
    assert "not updatable" in Editing(views, "frozen").target.refusal
    for name in ("joined", "nameless", "swapped"):
        ed = Editing(views, name)
        assert "has no key that identifies a row" in ed.target.refusal, name
        assert ed.target.key == [] and "no key: paged with OFFSET" in ed.page.note
