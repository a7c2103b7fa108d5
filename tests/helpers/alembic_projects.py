"""Real Alembic projects for the migrations tests, written to disk and applied
with Alembic itself. Imported by the other test_migrations_* modules."""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config

from tui.demo.cluster import LocalCluster
from tui.services.migrations.scripts import clear_cache

ENV_PY = '''\
"""Test env.py: URL and version table from alembic.ini, no logging set-up."""
from alembic import context
from sqlalchemy import MetaData, create_engine, pool

config = context.config
opts = {
    "version_table": config.get_main_option("version_table") or "alembic_version",
    "version_table_schema": config.get_main_option("version_table_schema") or None,
}


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **opts)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=MetaData(), **opts)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''


@dataclass(frozen=True)
class Rev:
    """One revision file to write."""

    id: str
    down: str | tuple[str, ...] | None = None
    message: str = ""
    labels: str | None = None
    depends: str | tuple[str, ...] | None = None
    imports: str = ""
    body: str = ""

    def source(self) -> str:
        message = self.message or f"revision {self.id}"
        body = self.body or f'op.execute("CREATE TABLE t_{self.id} (id integer)")'
        return (
            f'"""{message}\n\nRevision ID: {self.id}\nRevises: {self.down}\n"""\n'
            f"from alembic import op\n{self.imports}\n\n"
            f"revision = {self.id!r}\ndown_revision = {self.down!r}\n"
            f"branch_labels = {(self.labels,) if self.labels else None!r}\ndepends_on = {self.depends!r}\n\n\n"
            f"def upgrade() -> None:\n    {body}\n\n\ndef downgrade() -> None:\n    pass\n"
        )


def write_project(root: Path, revisions: list[Rev], url: str = "", version_table: str = "",
                  version_table_schema: str = "") -> Path:
    """An Alembic project (alembic.ini, env.py, versions/) in `root`; returns the ini."""
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "migrations" / "script.py.mako").write_text("")
    ini = root / "alembic.ini"
    ini.write_text(textwrap.dedent(f"""\
        [alembic]
        script_location = %(here)s/migrations
        path_separator = os
        sqlalchemy.url = {url}
        version_table = {version_table}
        version_table_schema = {version_table_schema}
        """))
    for rev in revisions:
        (root / "migrations" / "versions" / f"{rev.id}_rev.py").write_text(rev.source())
    clear_cache()
    return ini


def alembic(ini: Path, url: str, verb: str, target: str) -> None:
    """Run `alembic upgrade|stamp TARGET` with Alembic's API (fine in a test process)."""
    config = Config(str(ini))
    config.set_main_option("sqlalchemy.url", url)
    getattr(command, verb)(config, target)


def linear(count: int, prefix: str = "r") -> list[Rev]:
    """`count` revisions in a line: r0001 <- r0002 <- …"""
    ids = [f"{prefix}{i:04d}" for i in range(1, count + 1)]
    return [Rev(rev, ids[i - 1] if i else None, f"step {i + 1}") for i, rev in enumerate(ids)]


# base -> a1 -> (b1 -> b2) and (c1), merged by m1, then d1
BRANCHED = [
    Rev("a1", None, "create base"),
    Rev("b1", "a1", "billing one"),
    Rev("b2", "b1", "billing two"),
    Rev("c1", "a1", "analytics"),
    Rev("m1", ("b2", "c1"), "merge billing and analytics"),
    Rev("d1", "m1", "after the merge"),
]


def pg_url(cluster: LocalCluster, database: str) -> str:
    return (f"postgresql+psycopg://{cluster.superuser}@/{database}"
            f"?host={cluster.socket_dir}&port={cluster.port}")


def pg_execute(cluster: LocalCluster, database: str, statement: str) -> None:
    with psycopg.connect(cluster.socket_conninfo(database), autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def sqlite_execute(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(statement)


@pytest.fixture(name="sqlite_file")
def sqlite_file_fixture(tmp_path: Path) -> Iterator[Path]:
    """An empty SQLite database file."""
    path = tmp_path / "app.db"
    sqlite3.connect(path).close()
    yield path
