"""What the Migrations pane shows: Alembic status read without importing the
project, and other migration tools' tracking tables. No Textual here."""

from tui.services.migrations.actions import ActionResult, check_drift, preview_sql
from tui.services.migrations.history import History, HistoryRow, compute_history
from tui.services.migrations.report import MigrationsReport, load_report
from tui.services.migrations.scripts import (
    AlembicProject,
    ProjectNotFound,
    RevisionFile,
    locate_project,
    read_revisions,
    upgrade_source,
)
from tui.services.migrations.tools import ToolStatus

__all__ = [
    "ActionResult", "AlembicProject", "History", "HistoryRow", "MigrationsReport", "ProjectNotFound",
    "RevisionFile", "ToolStatus", "check_drift", "compute_history", "load_report", "locate_project",
    "preview_sql", "read_revisions", "upgrade_source",
]
