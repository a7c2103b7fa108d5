"""Migrations pane: time to render for 10, 100 and 1,000 revisions, reading the
revision files with `ast` (what bastion does) vs importing them (Alembic's
`ScriptDirectory.from_config`, what the obvious implementation does).

Each history has a branch and a merge every 50 revisions; the database (a SQLite
file, opened read-only) is stamped 10 revisions before the head. "render" is
the pane mounted in a headless app until its first full paint of the report
(worker load + table fill); "scripts" is the script-directory load alone.

    .venv/bin/python bench/migrations.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alembic.config import Config  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402

from tui.db import open_database  # noqa: E402
from tui.profiles import MigrationsConfig, Profile  # noqa: E402
from tui.services.migrations import report as report_module  # noqa: E402
from tui.services.migrations.scripts import (  # noqa: E402
    AlembicProject,
    RevisionFile,
    ScriptRead,
    clear_cache,
    locate_project,
    read_revisions,
)
from tui.widgets.migrations import MigrationsPane  # noqa: E402

REVISION = '''"""step {n}

Revision ID: {rev}
"""
import sqlalchemy as sa
from alembic import op

revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("t", sa.Column("c{n}", sa.Integer()))


def downgrade() -> None:
    op.drop_column("t", "c{n}")
'''


def build(root: Path, count: int) -> tuple[Path, Path]:
    """A project of `count` revisions (a side branch merged back every 50) and a stamped SQLite file."""
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "migrations" / "env.py").write_text("")
    ini = root / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\npath_separator = os\n")
    ids = [f"{n:012x}" for n in range(1, count + 1)]
    for n, rev in enumerate(ids):
        down: str | tuple[str, ...] | None = ids[n - 1] if n else None
        if n >= 2 and n % 50 == 0:
            down = (ids[n - 1], ids[n - 2])  # merge: n-2 also has child n-1 (a branch point)
        (versions / f"{rev}_step_{n}.py").write_text(REVISION.format(n=n, rev=rev, down=down))
    db = root / "app.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (ids[max(0, count - 11)],))
    return ini, db


def import_revisions(project: AlembicProject) -> ScriptRead:
    """The importing way: Alembic executes every revision module."""
    config = Config(str(project.config_file))
    scripts = ScriptDirectory.from_config(config)
    result = ScriptRead()
    for script in scripts.walk_revisions():
        down = script.down_revision
        result.revisions.append(RevisionFile(
            script.revision, tuple(down) if isinstance(down, tuple | list) else ((down,) if down else ()),
            tuple(script.branch_labels), tuple(script.dependencies or ()) if not isinstance(
                script.dependencies, str) else (script.dependencies,),
            script.doc or "", Path(script.path)))
    return result


class BenchApp(App[None]):
    def __init__(self, pane: MigrationsPane) -> None:
        super().__init__()
        self.pane = pane

    def compose(self) -> ComposeResult:
        yield self.pane


async def render_once(profile: Profile) -> float:
    started = time.perf_counter()  # includes the headless app's own start (see the 10-revision row)
    database = open_database(profile)
    pane = MigrationsPane(database, profile, lambda _p: None)
    async with BenchApp(pane).run_test(size=(120, 40)) as pilot:
        while pane.report is None or pane.loading:
            await asyncio.sleep(0.001)
        await pilot.pause()  # the paint after the tables were filled
        elapsed = time.perf_counter() - started
    database.close()
    return elapsed


def cold_read(project: AlembicProject) -> float:
    clear_cache()
    started = time.perf_counter()
    read_revisions(project)
    return time.perf_counter() - started


def warm_read(project: AlembicProject) -> float:
    read_revisions(project)
    started = time.perf_counter()
    read_revisions(project)
    return time.perf_counter() - started


def importing(project: AlembicProject, pycache: Path) -> float:
    shutil.rmtree(pycache, ignore_errors=True)  # cold, as after a pull: no cached bytecode
    started = time.perf_counter()
    import_revisions(project)
    return time.perf_counter() - started


def pane_read(profile: Profile) -> float:
    clear_cache()
    return asyncio.run(render_once(profile))


def pane_import(profile: Profile, pycache: Path) -> float:
    shutil.rmtree(pycache, ignore_errors=True)
    original = report_module.read_revisions
    report_module.read_revisions = import_revisions  # type: ignore[assignment]
    try:
        return asyncio.run(render_once(profile))
    finally:
        report_module.read_revisions = original


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'revisions':>9}  {'scripts: read':>13}  {'import':>8}  {'cached':>8}  "
          f"{'pane: read':>10}  {'import':>8}")
    for count in (10, 100, 1000):
        with tempfile.TemporaryDirectory(prefix="bastion-bench-mig-") as tmp:
            ini, db = build(Path(tmp), count)
            project = locate_project(config=str(ini))

            profile = Profile(name="bench", driver="sqlite", path=str(db), read_only=True,
                              migrations=MigrationsConfig(config=str(ini)))
            pycache = Path(tmp) / "migrations" / "versions" / "__pycache__"
            figures = [median(args.runs, partial(cold_read, project)),
                       median(args.runs, partial(importing, project, pycache)),
                       median(args.runs, partial(warm_read, project)),
                       median(args.runs, partial(pane_read, profile)),
                       median(args.runs, partial(pane_import, profile, pycache))]
            print(f"{count:>9}  " + "  ".join(f"{value * 1000:>{w}.1f}" for value, w in
                                                zip(figures, (10, 8, 8, 10, 8), strict=True)) + "   ms")
    print("read = ast on every file, nothing imported (cold cache); import = ScriptDirectory.from_config\n"
          "without __pycache__; cached = a refresh with no file changed; pane = app start + mount -> report\n"
          "painted (120x40, SQLite read-only).")


if __name__ == "__main__":
    main()
