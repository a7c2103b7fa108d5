"""pg_dump / pg_restore through a profile, against the suite's real PostgreSQL and
its own client programs; SQLite backups with the online backup API."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress
from tui.services.transfer.dump import DumpRequest, dump_database
from tui.services.transfer.restore import restore_database
from tui.services.transfer.sqlite_files import integrity_problem

SHOP_SQL = """
CREATE SCHEMA sales;
CREATE TABLE sales.customers (id bigserial PRIMARY KEY, name text NOT NULL, note text);
CREATE TABLE sales.orders (id bigserial PRIMARY KEY, customer_id bigint REFERENCES sales.customers(id),
                           total numeric(10,2), placed timestamptz DEFAULT '2026-01-01');
CREATE INDEX orders_customer ON sales.orders (customer_id);
CREATE TABLE public.settings (key text PRIMARY KEY, value jsonb);
CREATE VIEW sales.big_orders AS SELECT * FROM sales.orders WHERE total > 100;
INSERT INTO sales.customers (name, note) SELECT 'customer ' || i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' END
  FROM generate_series(1, 500) i;
INSERT INTO sales.orders (customer_id, total) SELECT 1 + i % 500, (i * 7 % 1000) / 3.0 FROM generate_series(1, 3000) i;
INSERT INTO public.settings VALUES ('theme', '{"dark": true}'), ('tab', '"a:b\\\\c"');
"""
CHECKSUMS = """
SELECT (SELECT md5(string_agg(c::text, ',' ORDER BY id)) FROM sales.customers c),
       (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM sales.orders o),
       (SELECT md5(string_agg(s::text, ',' ORDER BY key)) FROM public.settings s),
       (SELECT last_value FROM sales.orders_id_seq)
"""



@pytest.fixture(autouse=True)
def suite_client_programs(pg_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_dump, pg_restore and psql from the suite's own server binaries (its major)."""
    monkeypatch.setenv("BASTION_PG_BINDIR", str(pg_cluster.bindir))

@pytest.fixture
def fresh_database(new_database: Callable[[], str]) -> str:
    """A second, empty database to restore into."""
    return new_database()


@pytest.fixture
def shop(pg_cluster: LocalCluster, pg_database: str) -> str:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(SHOP_SQL)
    return pg_database


def schema_dump(cluster: LocalCluster, dbname: str) -> str:
    out = subprocess.run([str(cluster.bindir / "pg_dump"), "--schema-only", "-h", str(cluster.socket_dir),
                          "-p", str(cluster.port), "-U", cluster.superuser, dbname],
                         capture_output=True, text=True, check=True)
    # \restrict lines carry a random key per run (pg_dump 15.14+, CVE-2025-8714).
    return "\n".join(line for line in out.stdout.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


def checksums(cluster: LocalCluster, dbname: str) -> tuple[object, ...]:
    with psycopg.connect(cluster.socket_conninfo(dbname)) as conn:
        row = conn.execute(CHECKSUMS).fetchone()
    assert row is not None
    return tuple(row)


def password_profile(cluster: LocalCluster, dbname: str, **changes: object) -> Profile:
    """Over TCP with scram: the password must reach the child."""
    return Profile(name="shop", host="127.0.0.1", port=cluster.port, database=dbname, user=cluster.superuser,
                   password="keyring", sslmode="disable").with_changes(**changes)


def run_dump(profile: Profile, password: str | None, request: DumpRequest,
             cancel: threading.Event | None = None) -> list[TransferProgress]:
    seen: list[TransferProgress] = []
    database = open_database(profile, password)
    try:
        dump_database(database, request, seen.append, cancel or threading.Event())
    finally:
        database.close()
    return seen


def run_restore(profile: Profile, password: str | None, path: Path, **options: object) -> list[TransferProgress]:
    seen: list[TransferProgress] = []
    database = open_database(profile, password)
    try:
        restore_database(database, profile, path, seen.append, threading.Event(), **options)  # type: ignore[arg-type]
    finally:
        database.close()
    return seen


@pytest.mark.parametrize("fmt,jobs", [("custom", 1), ("directory", 2), ("plain", 1)])
def test_dump_then_restore_into_a_fresh_database_is_identical(
        pg_cluster: LocalCluster, shop: str, fresh_database: str, tmp_path: Path, fmt: str, jobs: int) -> None:
    target = tmp_path / f"shop.{fmt}"
    seen = run_dump(password_profile(pg_cluster, shop), pg_cluster.password, DumpRequest(target, fmt))
    assert target.exists() and not list(tmp_path.glob(".*partial*"))
    mode = target.stat().st_mode & 0o777
    assert mode == (0o700 if fmt == "directory" else 0o600)
    if fmt == "directory":
        assert all(entry.stat().st_mode & 0o077 == 0 for entry in target.iterdir())
    last = seen[-1]
    assert (last.phase, last.done, last.total) == ("done", 3, 3)
    assert last.bytes_done == sum(p.stat().st_size for p in ([target] if target.is_file() else target.iterdir()))

    restored = run_restore(password_profile(pg_cluster, fresh_database), pg_cluster.password, target, jobs=jobs)
    assert restored[-1].phase == "done"
    assert schema_dump(pg_cluster, fresh_database) == schema_dump(pg_cluster, shop)
    assert checksums(pg_cluster, fresh_database) == checksums(pg_cluster, shop)


def test_the_password_is_on_no_command_line_and_in_no_file_left_behind(
        pg_cluster: LocalCluster, shop: str, tmp_path: Path) -> None:
    password = pg_cluster.password
    seen: list[str] = []
    own_pid = str(os.getpid())

    def look_at_every_process() -> None:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and entry.name != own_pid:
                for what in ("cmdline", "environ"):
                    try:
                        seen.append(f"{what}: " + (entry / what).read_bytes().replace(b"\0", b" ").decode(
                            errors="replace"))
                    except OSError:
                        pass

    before = set(os.listdir(tempfile.gettempdir()))
    # A lock holds pg_dump at its first table while `ps` is read, however fast the machine.
    with psycopg.connect(pg_cluster.socket_conninfo(shop)) as blocker:
        blocker.execute("LOCK TABLE sales.orders IN ACCESS EXCLUSIVE MODE")
        dumping = threading.Thread(target=run_dump, args=(
            password_profile(pg_cluster, shop), password, DumpRequest(tmp_path / "shop.sql", "plain")))
        dumping.start()
        for _ in range(200):
            look_at_every_process()
            if any("pg_dump" in line and line.startswith("cmdline") and "--verbose" in line for line in seen):
                break
            threading.Event().wait(0.02)
        look_at_every_process()  # pg_dump's environment too
        during = set(os.listdir(tempfile.gettempdir())) - before
        blocker.rollback()
    dumping.join(30)
    assert any("pg_dump" in line and "--verbose" in line for line in seen), "pg_dump was never seen running"
    assert not [line for line in seen if password in line]
    assert password.encode() not in (tmp_path / "shop.sql").read_bytes()
    assert not [name for name in set(os.listdir(tempfile.gettempdir())) - before if name.startswith("bastion-pass-")]
    # Not even while it runs: on Linux the passfile is a memfd that pg_dump inherits.
    assert not [name for name in during if name.startswith("bastion-pass-")]
    assert any(line.startswith("environ") and "PGPASSFILE=/proc/self/fd/" in line for line in seen)


def test_a_dump_through_the_ssh_tunnel(pg_cluster: LocalCluster, shop: str, sshd: object, tmp_path: Path) -> None:
    from helpers.tunnels import tunnel_profile

    profile = tunnel_profile(sshd, pg_cluster, shop)  # type: ignore[arg-type]
    seen = run_dump(profile, pg_cluster.password, DumpRequest(tmp_path / "via-jump.dump"))
    assert seen[-1].done == 3
    assert (tmp_path / "via-jump.dump").read_bytes().startswith(b"PGDMP")


def test_a_dump_over_verified_tls_uses_the_profiles_ca(pg_cluster: LocalCluster, shop: str, tmp_path: Path) -> None:
    ca = pg_cluster.tls_files["ca.crt"]  # type: ignore[attr-defined]
    verified = password_profile(pg_cluster, shop, host="localhost", sslmode="verify-full", sslrootcert=str(ca))
    assert run_dump(verified, pg_cluster.password, DumpRequest(tmp_path / "tls.dump"))[-1].done == 3
    # The child checks the certificate itself: told another CA, it refuses, and no file is left.
    database = open_database(verified, pg_cluster.password)
    database.params["sslrootcert"] = str(pg_cluster.tls_files["other-ca.crt"])  # type: ignore[attr-defined]
    try:
        with pytest.raises(TransferError, match="certificate verify failed"):
            dump_database(database, DumpRequest(tmp_path / "refused.dump"), lambda _p: None, threading.Event())
    finally:
        database.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "tls.dump"]


def test_too_old_a_pg_dump_says_which_version_is_needed(
        pg_cluster: LocalCluster, shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "old-bin"
    old.mkdir()
    fake = old / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BASTION_PG_BINDIR", str(old))
    with pytest.raises(TransferError) as caught:
        run_dump(password_profile(pg_cluster, shop), pg_cluster.password, DumpRequest(tmp_path / "x.dump"))
    major = open_database(password_profile(pg_cluster, shop), pg_cluster.password).info.version_num // 10000
    assert caught.value.message == (f"The server is PostgreSQL {major}: it needs pg_dump {major} or newer; "
                                    f"found only pg_dump 9 ({fake}).")
    assert f"postgresql-client-{major}" in caught.value.hint
    assert not list(tmp_path.glob("*x.dump*"))


def test_a_cancelled_dump_leaves_no_file(pg_cluster: LocalCluster, shop: str, tmp_path: Path) -> None:
    cancel = threading.Event()
    database = open_database(password_profile(pg_cluster, shop), pg_cluster.password)

    def progress(step: TransferProgress) -> None:
        cancel.set()

    try:
        with pytest.raises(TransferCancelled):
            dump_database(database, DumpRequest(tmp_path / "gone.dump"), progress, cancel)
    finally:
        database.close()
    assert [p.name for p in tmp_path.iterdir()] == ["home"]


def test_restore_refuses_read_only_profiles_and_files_that_are_no_dump(
        pg_cluster: LocalCluster, shop: str, tmp_path: Path) -> None:
    not_dump = tmp_path / "photo.jpg"
    not_dump.write_bytes(b"\xff\xd8\xff\xe0 not a dump")
    with pytest.raises(TransferError, match="read-only"):
        run_restore(password_profile(pg_cluster, shop, read_only=True), pg_cluster.password, not_dump)
    with pytest.raises(TransferError, match="is not a dump"):
        run_restore(password_profile(pg_cluster, shop), pg_cluster.password, not_dump)


def test_a_failing_plain_restore_leaves_nothing_behind(pg_cluster: LocalCluster, shop: str, tmp_path: Path) -> None:
    script = tmp_path / "bad.sql"
    script.write_text("-- PostgreSQL database dump\nCREATE TABLE half (a int);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(TransferError, match='relation "nowhere" does not exist'):
        run_restore(password_profile(pg_cluster, shop), pg_cluster.password, script)
    with psycopg.connect(pg_cluster.socket_conninfo(shop)) as conn:
        assert conn.execute("SELECT to_regclass('public.half')").fetchone() == (None,)


# -- SQLite ----------------------------------------------------------------------------


def make_sqlite(path: Path, rows: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i}",) for i in range(rows)])
    conn.commit()
    conn.close()


def test_sqlite_backup_and_restore_are_verified_copies(tmp_path: Path) -> None:
    live = tmp_path / "app.db"
    make_sqlite(live, 5000)
    profile = Profile(name="app", driver="sqlite", path=str(live))
    database = open_database(profile)
    backup = tmp_path / "backup.sqlite3"
    dump_database(database, DumpRequest(backup), lambda _p: None, threading.Event())
    assert backup.stat().st_mode & 0o777 == 0o600 and integrity_problem(backup) is None

    with sqlite3.connect(live) as conn:
        conn.execute("DELETE FROM notes")
    restore_database(database, profile, backup, lambda _p: None, threading.Event())
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (5000,)

    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\0" + b"\x00" * 200)
    with pytest.raises(TransferError):
        restore_database(database, profile, broken, lambda _p: None, threading.Event())
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM notes").fetchone() == (5000,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db", "backup.sqlite3", "broken.db", "home"]
    database.close()
