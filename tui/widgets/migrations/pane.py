"""The Migrations tab: Alembic status and history, and other tools' tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tui.db.base import Database
from tui.profiles import MigrationsConfig, Profile
from tui.services.migrations import MigrationsReport, check_drift, load_report, preview_sql
from tui.widgets.dialogs.message import MessageScreen
from tui.widgets.migrations import rendering
from tui.widgets.migrations.dialogs import ActionOutput, LocateProject, RevisionDetails, VersionTablePicker


class MigrationsPane(Widget):
    """Shows where the database is in its Alembic history, and which other
    migration tools track this database. Reads only; loads in a thread worker."""

    DEFAULT_CSS = """
    MigrationsPane { height: 1fr; padding: 0 1; }
    MigrationsPane #mig-summary { height: 1; }
    MigrationsPane #mig-where { height: 2; color: $text-muted; }
    MigrationsPane #mig-problems { height: auto; max-height: 8; margin-top: 1; }
    MigrationsPane #mig-history { height: 1fr; margin-top: 1; }
    MigrationsPane #mig-tools-title { height: 1; margin-top: 1; text-style: bold; }
    MigrationsPane #mig-tools { height: auto; max-height: 9; }
    MigrationsPane #mig-tools-problems { height: auto; }
    """

    BINDINGS = [
        Binding("r", "refresh_report", "Refresh", id="migrations.refresh"),
        Binding("p", "preview_sql", "Preview", id="migrations.preview_sql"),
        Binding("c", "check", "Check", id="migrations.check"),
        Binding("l", "locate", "Locate", id="migrations.locate"),
        Binding("v", "version_table", "Table", id="migrations.version_table"),
    ]

    # Focusable so that its keys work even when no table is shown (nothing found);
    # focus passes on to the first table shown.
    can_focus = True

    class Loaded(Message):
        """Posted after each load, with what is now shown."""

        def __init__(self, report: MigrationsReport) -> None:
            super().__init__()
            self.report = report

    @dataclass
    class ReportRead(Message):
        """A load finished: the report, or the error that stopped it."""

        load: int  # which load: only the latest counts
        report: MigrationsReport | None
        error: Exception | None = None

    def __init__(self, database: Database, profile: Profile, on_profile_change: Callable[[Profile], None], *,
                 cwd: Path | None = None, id: str | None = "migrations-pane") -> None:
        super().__init__(id=id)
        self.database = database
        self.profile = profile
        self.on_profile_change = on_profile_change
        self.cwd = cwd
        self.report: MigrationsReport | None = None
        self._load = 0  # bumped by each refresh: an older load's report is ignored

    def compose(self) -> ComposeResult:
        yield Static("Alembic: loading…", id="mig-summary", markup=False)
        yield Static("", id="mig-where", markup=False)
        yield Static("", id="mig-problems", markup=False)
        history: DataTable[object] = DataTable(id="mig-history", cursor_type="row", zebra_stripes=False)
        yield history
        yield Static("Other migration tools", id="mig-tools-title")
        tools: DataTable[object] = DataTable(id="mig-tools", cursor_type="row")
        yield tools
        yield Static("", id="mig-tools-problems", markup=False)

    def on_mount(self) -> None:
        tools = self.query_one("#mig-tools", DataTable)
        for column in rendering.TOOL_COLUMNS:
            tools.add_column(column, key=column)
        for widget_id in ("#mig-problems", "#mig-tools-title", "#mig-tools", "#mig-tools-problems"):
            self.query_one(widget_id).display = False
        self.action_refresh_report()

    # -- loading ----------------------------------------------------------------
    def action_refresh_report(self) -> None:
        """Read scripts and database again (files unchanged since last time are not re-parsed)."""
        self.loading = True
        self._load += 1
        self._read_report(self._load, self.database, self.profile, self.cwd)

    @work(thread=True, group="migrations-load", exclusive=True, exit_on_error=False)
    def _read_report(self, load: int, database: Database, profile: Profile, cwd: Path | None) -> None:
        try:
            report = load_report(database, profile, cwd)
        except Exception as exc:  # noqa: BLE001 - shown in the pane
            self.post_message(self.ReportRead(load, None, exc))
        else:
            self.post_message(self.ReportRead(load, report))

    def on_migrations_pane_report_read(self, event: MigrationsPane.ReportRead) -> None:
        event.stop()
        # Only the latest load counts: a refresh cancels (and ignores) the one before.
        if event.load != self._load:
            return
        self.loading = False
        if event.report is not None:
            self.show_report(event.report)
        elif event.error is not None:
            self.query_one("#mig-summary", Static).update("Alembic: cannot load the migration status")
            problems = self.query_one("#mig-problems", Static)
            problems.update(f"{type(event.error).__name__}: {event.error}")
            problems.display = True

    def show_report(self, report: MigrationsReport) -> None:
        """Render a report (called on the UI thread)."""
        focused = self.screen.focused if self.is_attached else None
        had_focus = focused is not None and (focused is self or self in focused.ancestors)
        self.report = report
        self.query_one("#mig-summary", Static).update(rendering.summary_text(report))
        self.query_one("#mig-where", Static).update(rendering.where_text(report))
        problems = rendering.problems_text(report)
        problems_widget = self.query_one("#mig-problems", Static)
        problems_widget.update(problems)
        problems_widget.display = bool(problems.plain)
        self._fill_history(report)
        tools = self.query_one("#mig-tools", DataTable)
        tools.clear()
        for index, tool in enumerate(report.tools):
            tools.add_row(*rendering.tool_cells(tool), key=f"tool-{index}")
        self.query_one("#mig-tools-title").display = bool(report.tools)
        tools.display = bool(report.tools)
        tool_problems = rendering.tool_problems_text(report.tools)
        self.query_one("#mig-tools-problems", Static).update(tool_problems)
        self.query_one("#mig-tools-problems").display = bool(tool_problems)
        if had_focus:
            # The table that had it may be hidden now: Textual would drop the focus.
            self._focus_first_table()
        self.post_message(self.Loaded(report))

    def on_focus(self) -> None:
        self._focus_first_table()

    def _focus_first_table(self) -> None:
        for table in self.query(DataTable):
            if table.display:
                table.focus()
                return
        self.focus()

    def _fill_history(self, report: MigrationsReport) -> None:
        table = self.query_one("#mig-history", DataTable)
        cursor = table.cursor_row
        history = report.history
        rows = history.rows if history is not None else []
        raw = (list(history.unknown) if history is not None
               else list(report.version_table.rows) if report.version_table is not None else [])
        # Fixed widths, the message taking what is left: a table wider than the pane
        # would hide the ends of messages and the markers behind a scrollbar.
        graph = max([5, *(len(row.graph) for row in rows)])
        revision = max([8, *(len(row.revision.revision) for row in rows), *(len(rev) for rev in raw)])
        padding = 2 * table.cell_padding
        available = (self.content_region.width or 80) - 2  # room for the vertical scrollbar
        compact = available < 70  # narrow: the state as its mark only
        state = 1 if compact else 9
        message = max(12, available - (graph + padding) - (state + padding) - (revision + padding) - padding)
        table.clear(columns=True)
        for key, width in zip(rendering.HISTORY_COLUMNS, (graph, state, revision, message), strict=True):
            table.add_column("" if compact and key == "state" else key, key=key, width=width)
        if history is not None:
            for rev in history.unknown:
                table.add_row(*rendering.raw_row_cells(rev, "unknown", "not in script directory", compact),
                              key=f"db:{rev}")
            for row in history.rows:
                table.add_row(*rendering.history_cells(row, message, compact), key=row.revision.revision)
        else:
            for rev in raw:
                table.add_row(*rendering.raw_row_cells(rev, "in database", "(script directory not read)", compact),
                              key=f"db:{rev}")
        table.display = table.row_count > 0
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))

    def on_resize(self) -> None:
        if self.report is not None and not self.loading and self.content_region.width:
            self._fill_history(self.report)

    # -- details and actions ----------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.report is None:
            return
        if event.data_table.id == "mig-tools":
            self._show_tool(int(str(event.row_key.value).removeprefix("tool-")))
            return
        key = str(event.row_key.value)
        history = self.report.history
        if key.startswith("db:"):
            self.app.push_screen(MessageScreen(
                f"{key[3:]}: not in the script directory",
                "This revision is in the database's version table, but no revision file defines it.\n\n"
                "Usual causes: a revision file was deleted or not pulled yet, another branch is checked "
                "out, or the profile points at the wrong Alembic project (press l).", error=True))
            return
        row = next((r for r in history.rows if r.revision.revision == key), None) if history else None
        if row is not None:
            self.app.push_screen(RevisionDetails(row.revision, row.state))

    def _show_tool(self, index: int) -> None:
        assert self.report is not None
        tool = self.report.tools[index]
        lines = [f"table      {tool.table}",
                 f"applied    {'—' if tool.applied is None else tool.applied}",
                 f"latest     {tool.latest or '—'}", f"when       {tool.latest_at or '—'}"]
        if tool.problem or tool.error:
            lines += ["", tool.problem or f"cannot read: {tool.error}"]
        self.app.push_screen(MessageScreen(tool.tool, "\n".join(lines), error=bool(tool.problem or tool.error)))

    def action_preview_sql(self) -> None:
        """Offline `upgrade CURRENT:heads --sql` in a subprocess."""
        report = self.report
        if report is None or report.project is None:
            self.notify("No Alembic project located: press l first.", severity="warning")
            return
        project = report.project
        current = report.version_table.rows if report.version_table else ()
        self.app.push_screen(ActionOutput("SQL the pending migrations would run (offline --sql)",
                                          lambda cancel: preview_sql(project, current, cancel=cancel),
                                          language="sql"))

    def action_check(self) -> None:
        """`alembic check` in a subprocess."""
        report = self.report
        if report is None or report.project is None:
            self.notify("No Alembic project located: press l first.", severity="warning")
            return
        project = report.project
        if report.history is not None and not report.history.at_head:
            # Said before it runs: alembic check refuses a database that is not at head.
            self.notify(f"This database is not at head ({report.summary}): alembic check will refuse "
                        "if env.py connects to it.", severity="warning", timeout=6)
        self.app.push_screen(ActionOutput("alembic check: models vs database",
                                          lambda cancel: check_drift(project, cancel=cancel)))

    def action_locate(self) -> None:
        """Ask for the Alembic project and remember it in the profile."""
        self.app.push_screen(LocateProject(self.profile.migrations, self.cwd), self._located)

    def _located(self, config: MigrationsConfig | None) -> None:
        if config is None:
            return
        self._change_profile(config)

    def action_version_table(self) -> None:
        """Pick which version table goes with the scripts; remembered in the profile."""
        if self.report is None:
            return
        tables = [(table.qualified, table.error or (", ".join(table.rows) if table.rows else "(empty)"))
                  for table in self.report.version_tables]
        selected = self.report.version_table.qualified if self.report.version_table else None
        self.app.push_screen(VersionTablePicker(tables, selected), self._table_chosen)

    def _table_chosen(self, name: str | None) -> None:
        if name is None:
            return
        self._change_profile(replace(self.profile.migrations or MigrationsConfig(), version_table=name))

    def _change_profile(self, config: MigrationsConfig) -> None:
        self.profile = self.profile.with_changes(migrations=config)
        self.on_profile_change(self.profile)
        self.action_refresh_report()
