"""Throwaway PostgreSQL clusters and fixed-name databases for tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from tui.demo.cluster import LocalCluster
from tui.profiles import Profile


@contextlib.contextmanager
def throwaway_cluster(
    prefix: str, prepare: Callable[[LocalCluster, Path], None] | None = None
) -> Iterator[LocalCluster]:
    """A PostgreSQL in a temp dir of its own, started, and stopped and removed after."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(base, 0o755)
    cluster = LocalCluster(datadir=base / "data", socket_dir=base / "sock")
    if prepare is not None:
        prepare(cluster, base)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def database_named(cluster: LocalCluster, name: str, setup_sql: str) -> Iterator[Profile]:
    """A database with a fixed name (snapshots show it), set up by `setup_sql`,
    reached over the trusted socket; dropped afterwards."""
    with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(cluster.socket_conninfo(name), autocommit=True) as conn:
        conn.execute(setup_sql)
    try:
        yield Profile(name="shop", host=str(cluster.socket_dir), port=cluster.port,
                      database=name, user=cluster.superuser, password="none")
    finally:
        with psycopg.connect(cluster.socket_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
