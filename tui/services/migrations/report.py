"""Everything the Migrations pane shows, gathered in one blocking call that never
raises: each part that fails becomes a plain sentence, the rest still shows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from tui.db.base import Database
from tui.profiles import Profile
from tui.services.migrations import database as db
from tui.services.migrations.history import History, compute_history
from tui.services.migrations.scripts import AlembicProject, ProjectNotFound, locate_project, read_revisions
from tui.services.migrations.tools import ToolStatus


@dataclass
class MigrationsReport:
    """The pane's data: the Alembic project and history, the version tables, other tools."""

    project: AlembicProject | None = None
    project_error: str | None = None
    history: History | None = None  # None when the scripts could not be read
    version_tables: list[db.VersionTable] = field(default_factory=list)
    version_table: db.VersionTable | None = None  # the one compared with the scripts
    tools: list[ToolStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> str:
        """One line for the top of the pane."""
        table = self.version_table
        if table is not None and table.error:
            return f"cannot read {table.qualified}: database revision unknown"
        if self.history is not None:
            return self.history.summary
        if table is None:
            return "no Alembic version table in this database"
        if not table.rows:
            return f"{table.qualified} is empty: database not stamped"
        return "database at " + ", ".join(table.rows) + " (scripts not available)"


def choose_version_table(tables: list[db.VersionTable], wanted: str | None) -> tuple[db.VersionTable | None,
                                                                                      str | None]:
    """The profile's `version_table` ("name" or "schema.name"), else the only one,
    else `alembic_version` in public/main, else the first; with a note for the user."""
    if wanted:
        for table in tables:
            if wanted in (table.qualified, f"{table.schema}.{table.name}", table.name):
                return table, None
        return None, (f"The profile's version table {wanted} was not found in this database"
                      + (": press v to choose another." if tables else "."))
    if not tables:
        return None, None
    if len(tables) == 1:
        return tables[0], None
    default = next((t for t in tables if t.name == "alembic_version" and t.schema in ("public", "main")),
                   tables[0])
    return default, f"{len(tables)} Alembic version tables here; showing {default.qualified}: press v to choose."


def load_report(database: Database, profile: Profile, cwd: Path | None = None) -> MigrationsReport:
    """Read scripts and database. Blocking: call it from a worker."""
    started = time.perf_counter()
    report = MigrationsReport()
    config = profile.migrations
    try:
        report.project = locate_project(config.config if config else None,
                                        config.script_location if config else None, cwd)
    except ProjectNotFound as exc:
        report.project_error = str(exc)

    try:
        tables = db.tracking_tables(database)
    except Exception as exc:  # noqa: BLE001 - explained, the scripts still show
        tables = []
        report.problems.append(f"Cannot list the database's tables: {db.error_line(exc)}")
    report.version_tables = [db.read_version_table(database, ref) for ref in db.alembic_tables(tables)]
    report.version_table, note = choose_version_table(report.version_tables,
                                                      config.version_table if config else None)
    if note:
        report.notes.append(note)
    if report.version_table and report.version_table.error:
        report.problems.append(f"Cannot read {report.version_table.qualified}: {report.version_table.error}")
    try:
        report.tools = db.other_tools(database, tables)
    except Exception as exc:  # noqa: BLE001
        report.problems.append(f"Cannot read other migration tools' tables: {db.error_line(exc)}")

    if report.project is not None:
        try:
            scripts = read_revisions(report.project)
            report.problems.extend(scripts.problems)
            rows = list(report.version_table.rows) if report.version_table else []
            if scripts.revisions or not scripts.problems:
                report.history = compute_history(scripts.revisions, rows)
                report.problems.extend(report.history.problems)
                if not scripts.revisions:
                    report.notes.append(f"No revision files in {report.project.version_locations[0]}.")
        except Exception as exc:  # noqa: BLE001 - never a traceback on screen
            report.problems.append(f"Cannot read the script directory {report.project.script_location}: "
                                   f"{type(exc).__name__}: {exc}")
    if report.history and database.info.kind == "postgresql":
        long_ids = [row.revision.revision for row in report.history.rows if len(row.revision.revision) > 32]
        if long_ids:
            report.problems.append(f"{len(long_ids)} revision id(s) longer than 32 characters ({long_ids[0]}…): "
                                   "alembic_version.version_num is varchar(32), so they fail on PostgreSQL.")
    if report.history and report.history.unknown:
        report.problems.insert(0, "The database is at " + ", ".join(report.history.unknown)
                               + ", which is not in the script directory (a deleted revision file, another "
                                 "branch checked out, or the wrong project). Alembic itself fails here.")
    report.seconds = time.perf_counter() - started
    return report
