"""`bastion import` / `dump` / `restore` given what they cannot do: a clear message,
an exit code, nothing written (issue #15's bad-input list)."""

from __future__ import annotations

import io
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore


@pytest.fixture
def reader(pg_cluster: LocalCluster, socket_profile: Profile) -> Iterator[str]:
    """A role that may read public.items but not write it (trusted over the socket)."""
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, label text)")
        conn.execute("INSERT INTO items VALUES (1, 'one')")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT SELECT ON items TO {}").format(sql.Identifier(role)))
    yield role
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_import_into_a_missing_table_or_schema_or_an_unwritable_table(
        profiles_file: Path, socket_profile: Profile, pg_cluster: LocalCluster, reader: str, capsys,
        monkeypatch, tmp_path: Path) -> None:
    store = ProfileStore(profiles_file).load()
    store.put(socket_profile.with_changes(name="dev"))
    store.put(socket_profile.with_changes(name="as-reader", user=reader))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.csv").write_text("id,label\n2,two\n")
    base = ["--profiles", str(profiles_file)]

    code, out, err = run(["import", "dev", "nosuch", "f.csv", *base], capsys)
    assert (code, out, err) == (1, "", "bastion: public.nosuch: no such table, or no columns to fill.\n")
    code, out, err = run(["import", "dev", "nosuch.items", "f.csv", *base], capsys)
    assert (code, out, err) == (1, "", "bastion: nosuch.items: no such table, or no columns to fill.\n")

    code, out, err = run(["import", "dev", "items", "f.csv", "--quote", "", *base], capsys)
    assert (code, out, err) == (2, "", "bastion: --quote: one character, not ''.\n")

    code, out, err = run(["import", "as-reader", "items", "f.csv", *base], capsys)
    assert code == 1 and out == ""
    assert err.endswith("bastion: permission denied for table items. Nothing was imported.\n")
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or "")) as conn:
        assert conn.execute("SELECT id FROM items").fetchall() == [(1,)]


def test_pg_dump_and_pg_restore_options_are_refused_for_sqlite(profiles_file: Path, capsys, monkeypatch,
                                                               tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    store = ProfileStore(profiles_file).load()
    store.put(Profile(name="app", driver="sqlite", path=str(db)))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.chdir(tmp_path)
    base = ["--profiles", str(profiles_file)]

    code, out, err = run(["dump", "app", "-o", "x.sql", "--format", "plain", *base], capsys)
    assert (code, out) == (2, "")
    assert err == ("bastion: --format plain: pg_dump options, and this is a SQLite profile: its dump is the whole "
                   "database as a SQLite file (the online backup API). Nothing was done; run it again without them "
                   "(-o NAME.sqlite3 chooses the file).\n")
    code, _, err = run(["dump", "app", "--schema", "s", "--table", "t", "--data-only", *base], capsys)
    assert code == 2 and err.startswith("bastion: --schema s, --table t, --data-only: pg_dump options")
    code, _, err = run(["dump", "app", "--schema-only", *base], capsys)
    assert code == 2 and err.startswith("bastion: --schema-only: pg_dump options")
    assert not list(tmp_path.glob("*.sql")) and not list(tmp_path.glob("app-*"))  # nothing written

    code, out, err = run(["dump", "app", "-o", "backup.sqlite3", *base], capsys)
    assert code == 0 and out.startswith("Dumped 'app' to backup.sqlite3")
    code, _, err = run(["restore", "app", "backup.sqlite3", "--clean", "--jobs", "4", *base], capsys)
    assert code == 2 and err.startswith("bastion: --clean, --jobs 4: pg_restore options, and this is a SQLite "
                                        "profile: its restore replaces the whole file")
