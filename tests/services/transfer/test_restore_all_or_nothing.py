"""A restore that fails part-way: one job leaves the target as it was; parallel jobs
say the restore is partial and what it left. Options a plain dump cannot honour say why.
Against the suite's real PostgreSQL and its own pg_dump / pg_restore / psql."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tui.db import open_database
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.transfer import TransferError, TransferProgress
from tui.services.transfer.dump import DumpRequest, dump_database
from tui.services.transfer.restore import RestoreResult, restore_database

# Two tables of about the same size, their data in the dump a first, then b:
# the dump cut to 2/3 holds all of a's rows and a part of b's.
SOURCE = """
CREATE TABLE a (id int PRIMARY KEY, body text);
CREATE TABLE b (id int PRIMARY KEY, body text);
INSERT INTO a SELECT i, md5(i::text) || md5((-i)::text) FROM generate_series(1, 20000) i;
INSERT INTO b SELECT i, md5(i::text) || md5((-i)::text) FROM generate_series(1, 20000) i;
"""
# The target before the restore: what a failed one-job restore must leave as it was.
TARGET = """
CREATE TABLE a (id int PRIMARY KEY, body text);
CREATE TABLE b (id int PRIMARY KEY, body text);
INSERT INTO a VALUES (1, 'old a');
INSERT INTO b VALUES (1, 'old b');
"""
TARGET_STATE = "SELECT (SELECT string_agg(body, ',') FROM a), (SELECT string_agg(body, ',') FROM b)"


@pytest.fixture(autouse=True)
def suite_client_programs(pg_cluster: LocalCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """pg_dump, pg_restore and psql from the suite's own server binaries (its major)."""
    monkeypatch.setenv("BASTION_PG_BINDIR", str(pg_cluster.bindir))


@pytest.fixture
def target(pg_cluster: LocalCluster) -> Iterator[str]:
    """A second database, holding its own a and b, to restore into."""
    name = f"r_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(pg_cluster.socket_conninfo(name), autocommit=True) as conn:
        conn.execute(TARGET)
    yield name
    with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def cut_dump(pg_cluster: LocalCluster, socket_profile: Profile, tmp_path: Path) -> Path:
    """A custom-format dump of SOURCE, cut to 2/3 of its size (a disk that filled up)."""
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database or ""), autocommit=True) as conn:
        conn.execute(SOURCE)
    whole = tmp_path / "whole.dump"
    database = open_database(socket_profile)
    try:
        dump_database(database, DumpRequest(whole), lambda _step: None, threading.Event())
    finally:
        database.close()
    cut = tmp_path / "cut.dump"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    return cut


def restore(cluster: LocalCluster, dbname: str, path: Path, **options: object) -> RestoreResult:
    profile = Profile(name="copy", host=str(cluster.socket_dir), port=cluster.port, database=dbname,
                      user=cluster.superuser, password="none")
    seen: list[TransferProgress] = []
    database = open_database(profile)
    try:
        return restore_database(database, profile, path, seen.append, threading.Event(),
                                **options)  # type: ignore[arg-type]
    finally:
        database.close()


def state(cluster: LocalCluster, dbname: str) -> tuple[object, ...]:
    with psycopg.connect(cluster.socket_conninfo(dbname)) as conn:
        row = conn.execute(TARGET_STATE).fetchone()
    assert row is not None
    return tuple(row)


def test_a_cut_archive_restored_with_one_job_leaves_the_target_as_it_was(
        pg_cluster: LocalCluster, cut_dump: Path, target: str) -> None:
    with pytest.raises(TransferError) as caught:
        restore(pg_cluster, target, cut_dump, clean=True)  # --clean's drops are rolled back too
    assert caught.value.message.startswith("pg_restore failed")
    assert caught.value.hint == "It ran in one transaction: nothing was restored, the database is as it was."
    assert state(pg_cluster, target) == ("old a", "old b")


def test_a_cut_archive_restored_with_parallel_jobs_says_what_it_left(
        pg_cluster: LocalCluster, cut_dump: Path, target: str) -> None:
    with pytest.raises(TransferError) as caught:
        restore(pg_cluster, target, cut_dump, clean=True, jobs=2)
    assert caught.value.hint.startswith("The restore is PARTIAL: with --jobs 2 it cannot run in one transaction, "
                                        "so what it did before the error stays: ")
    assert "dropped TABLE a, " in caught.value.hint and "TABLE public.a" in caught.value.hint
    assert caught.value.hint.endswith("Restore with one job to get all or nothing.")
    assert state(pg_cluster, target) != ("old a", "old b")


def test_clean_and_jobs_on_a_plain_dump_say_why(pg_cluster: LocalCluster, target: str, tmp_path: Path) -> None:
    plain = tmp_path / "plain.sql"
    plain.write_text("-- PostgreSQL database dump\nCREATE TABLE c (id int);\nINSERT INTO c VALUES (7);\n")
    with pytest.raises(TransferError) as caught:
        restore(pg_cluster, target, plain, clean=True)
    assert str(caught.value) == (
        "plain.sql is a plain SQL dump without DROP statements: psql runs it as written, so Clean first "
        "(--clean) cannot drop anything. Restore it into an empty database, or dump again with pg_dump --clean, "
        "or as an archive (custom format, bastion dump's default) which --clean applies to.")
    cleaned = tmp_path / "cleaned.sql"
    cleaned.write_text("-- PostgreSQL database dump\nSET x = 1;\nDROP TABLE IF EXISTS public.c;\n"
                       "CREATE TABLE c (id int);\n")
    with pytest.raises(TransferError, match="made with pg_dump --clean: it drops its own objects"):
        restore(pg_cluster, target, cleaned, clean=True)
    assert state(pg_cluster, target) == ("old a", "old b")

    result = restore(pg_cluster, target, plain, jobs=4)
    assert result.notes == ("--jobs 4 is ignored: a plain SQL dump is one psql script, run in one transaction.",)
    with psycopg.connect(pg_cluster.socket_conninfo(target)) as conn:
        assert conn.execute("SELECT id FROM c").fetchall() == [(7,)]
