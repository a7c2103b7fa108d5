"""`bastion dump`, `bastion restore`, `bastion import`: a user's session at the shell."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore


@pytest.fixture(autouse=True)
def suite_client_programs(pg_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_dump, pg_restore and psql from the suite's own server binaries (its major)."""
    monkeypatch.setenv("BASTION_PG_BINDIR", str(pg_cluster.bindir))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_dump_restore_into_production_and_import_from_the_shell(
        profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster, memory_keyring, capsys,
        monkeypatch, tmp_path: Path, new_database: Callable[[], str]) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_profile.database or ""), autocommit=True) as conn:
        conn.execute("CREATE TABLE items (id int PRIMARY KEY, label text)")
        conn.execute("INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 50) i")
    copy = new_database()
    store = ProfileStore(profiles_file).load()
    store.put(pg_profile)
    store.put(pg_profile.with_changes(name="prod", database=copy, production=True))
    store.put(pg_profile.with_changes(name="ro", database=copy, read_only=True))
    for name in ("testdb", "prod", "ro"):
        memory_keyring.set_password("bastion", name, pg_cluster.password)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    base = ["--profiles", str(profiles_file)]
    code, out, err = run(["dump", "testdb", "-o", "items.dump", *base], capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Dumped 'testdb' to items.dump: 1 table of data, ")

    code, _, err = run(["restore", "ro", "items.dump", *base], capsys)
    assert code == 1 and "'ro' is read-only" in err
    code, _, err = run(["restore", "prod", "items.dump", *base], capsys)
    assert code == 2 and "add --confirm prod" in err
    code, out, err = run(["restore", "prod", "items.dump", "--confirm", "prod", *base], capsys)
    assert (code, out) == (0, "Restored items.dump into 'prod' (1 table).\n")
    with psycopg.connect(pg_cluster.socket_conninfo(copy)) as conn:
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (50,)

    (tmp_path / "more.csv").write_text("label;id\nfifty-one;51\nfifty-two;52\n")
    code, out, err = run(["import", "testdb", "items", "more.csv", *base], capsys)
    assert (code, out) == (0, "Imported 2 rows into public.items of 'testdb'.\n")
    assert "delimiter ';' (detected)" in err and "header row (detected)" in err
    (tmp_path / "dup.csv").write_text("id,label\n53,ok\n1,taken\n")
    code, out, err = run(["import", "testdb", "public.items", "dup.csv", *base], capsys)
    assert code == 1 and err.endswith('bastion: Line 3 of dup.csv: duplicate key value violates unique constraint '
                                      '"items_pkey". Key (id)=(1) already exists. Nothing was imported.\n')
    code, _, err = run(["dump", "testdb", "-o", "items.dump", *base], capsys)
    assert code == 1 and "items.dump exists" in err
