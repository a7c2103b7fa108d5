"""How a MigrationsReport becomes text and table rows (no I/O here)."""

from __future__ import annotations

from rich.text import Text

from tui.services.migrations import HistoryRow, MigrationsReport, ToolStatus

STATE_STYLES = {"current": "bold green", "applied": "green", "pending": "yellow", "unknown": "bold red",
                "in database": "cyan"}
STATE_MARKS = {"current": "◉ current", "applied": "✓ applied", "pending": "○ pending",
               "unknown": "✗ unknown", "in database": "• in db"}
HISTORY_COLUMNS = ("graph", "state", "revision", "message")
TOOL_COLUMNS = ("tool", "state", "applied", "latest", "when", "table")


def summary_text(report: MigrationsReport) -> Text:
    """The headline: green at head, yellow pending, red unknown/unreadable."""
    summary = report.summary
    if "unknown" in summary or "cannot" in summary:
        style = "bold red"
    elif summary.startswith("at head") and "merge" not in summary:
        style = "bold green"
    else:
        style = "bold yellow"
    text = Text("Alembic: ", style="bold")
    text.append(summary, style=style)
    return text


def where_text(report: MigrationsReport) -> Text:
    """Which scripts are compared with which table: two lines."""
    text = Text("scripts ", style="dim")
    if report.project is not None:
        text.append(str(report.project.config_file or report.project.script_location))
    else:
        text.append("not found", style="yellow")
    text.append("\ntable   ", style="dim")
    table = report.version_table
    if table is None:
        text.append("none", style="yellow")
    else:
        text.append(table.qualified)
        if table.rows:
            text.append(" = " + ", ".join(table.rows), style="dim")
        elif not table.error:
            text.append(" (empty)", style="dim")
    return text


def problems_text(report: MigrationsReport) -> Text:
    """Errors in red, then notes; empty when all is well."""
    text = Text()
    lines: list[tuple[str, str]] = []
    if report.project_error:
        lines.append((report.project_error, "yellow"))
    lines += [(problem, "red") for problem in report.problems]
    lines += [(note, "dim") for note in report.notes]
    for index, (line, style) in enumerate(lines):
        if index:
            text.append("\n")
        text.append(("⚠ " if style != "dim" else "ℹ ") + line, style=style)
    return text


def state_cell(state: str, compact: bool) -> Text:
    """"◉ current", or just "◉" when the pane is narrow."""
    mark = STATE_MARKS[state]
    return Text(mark.split(" ", 1)[0] if compact else mark, style=STATE_STYLES[state])


def history_cells(row: HistoryRow, message_width: int, compact: bool = False) -> tuple[Text, ...]:
    """One history line: graph, state, id, then message and markers cut to fit
    (a table wider than the pane would hide the markers behind a scrollbar)."""
    marks = [*row.revision.branch_labels]
    if row.is_head:
        marks.append("head")
    if row.is_merge:
        marks.append("merge")
    if row.is_branch_point:
        marks.append("branch point")
    if row.revision.depends_on:
        marks.append("depends on " + ", ".join(d[:8] for d in row.revision.depends_on))
    if row.missing_parents:
        marks.append("missing parent " + ", ".join(row.missing_parents))
    style = STATE_STYLES[row.state]
    message = Text()
    if marks:
        message.append("(" + ", ".join(marks) + ") ", style="red" if row.missing_parents else "cyan")
    message.append(row.revision.message)
    message.truncate(max(message_width, 10), overflow="ellipsis")
    return (
        Text(row.graph, style=style),
        state_cell(row.state, compact),
        Text(row.revision.revision, style="bold" if row.state == "current" else ""),
        message,
    )


def raw_row_cells(revision: str, state: str, message: str, compact: bool = False) -> tuple[Text, ...]:
    """A database row with no script behind it (unknown, or scripts unreadable)."""
    style = STATE_STYLES[state]
    return (Text("✗" if state == "unknown" else "•", style=style), state_cell(state, compact),
            Text(revision, style="bold"), Text(message, style=style))


def tool_cells(tool: ToolStatus) -> tuple[Text, ...]:
    """A detected tool; a failed, dirty or locked state in bold red, near the left
    so that a narrow terminal still shows it (the sentence is above the table)."""
    if tool.error:
        state = Text("✗ UNREADABLE", style="red")
    elif tool.problem:
        state = Text("✗ " + (tool.problem_label or "PROBLEM"), style="bold red")
    else:
        state = Text("ok", style="green")
    applied = "—" if tool.applied is None else str(tool.applied)
    latest = Text(tool.latest or "—")
    latest.truncate(32, overflow="ellipsis")
    return (Text(tool.tool, style="bold"), state, Text(applied, justify="right"), latest,
            Text(tool.latest_at or "—", style="dim"), Text(tool.table, style="dim"))


def tool_problems_text(tools: list[ToolStatus]) -> Text:
    """The failed / dirty / locked states spelled out, under the tools table."""
    text = Text()
    for tool in tools:
        line = tool.problem or (f"cannot read: {tool.error}" if tool.error else None)
        if line:
            if text:
                text.append("\n")
            text.append(f"✗ {tool.tool}: ", style="bold red")
            text.append(line, style="red")
    return text
