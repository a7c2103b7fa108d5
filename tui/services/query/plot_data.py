"""What a result looks like as a chart: bars for label/value rows, a line for
time/value rows or a numeric column, or why it cannot be plotted; and the series
a watched query draws over its runs. No Textual here."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from tui.services.query.results import ResultSet

MAX_BARS = 40
MAX_POINTS = 2000
WATCH_POINTS = 120  # runs kept per series of a watched query
MAX_SERIES = 6
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?)?)?$"
                   r"|^\d{2}:\d{2}(:\d{2})?")


@dataclass
class PlotData:
    """A chart to draw: `kind` "bar" or "line"; x labels; named series of numbers."""

    kind: str = "line"
    labels: list[str] = field(default_factory=list)
    series: dict[str, list[float]] = field(default_factory=dict)
    why_not: str | None = None
    x_label: str = ""


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.replace(",", "")) if value[-1:].isdigit() else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def plot_of(result: ResultSet | None) -> PlotData:
    """The chart for a result: label/value → bars, time/value → a line over time,
    numeric columns → lines over the row number."""
    if result is None or not result.columns or not len(result):
        return PlotData(why_not="Nothing to plot: run a query that returns rows.")
    numeric = [i for i, c in enumerate(result.columns) if c.numeric]
    if not numeric:
        return PlotData(why_not="Nothing to plot: no column is numeric (cast one, e.g. count(*)::int).")
    rows = [result.row(i) for i in range(min(len(result), MAX_POINTS))]
    first = 0 if 0 not in numeric else None
    if first is not None:
        labels = ["NULL" if row[0] is None else row[0] for row in rows]
        values = numeric[:MAX_SERIES]
        is_time = all(_TIME.match(label) for label in labels if label != "NULL")
        if is_time:
            return PlotData("line", labels, {result.columns[i].name: [_number(r[i]) or 0.0 for r in rows]
                                              for i in values}, x_label=result.columns[0].name)
        if len(rows) > MAX_BARS:
            return PlotData(why_not=f"Too many labels for bars ({len(result):,} rows; at most {MAX_BARS}): "
                                    "aggregate or LIMIT the query.")
        return PlotData("bar", labels, {result.columns[values[0]].name: [_number(r[values[0]]) or 0.0
                                                                          for r in rows]},
                        x_label=result.columns[0].name)
    return PlotData("line", [str(i + 1) for i in range(len(rows))],
                    {result.columns[i].name: [_number(r[i]) or 0.0 for r in rows] for i in numeric[:MAX_SERIES]},
                    x_label="row")


@dataclass
class WatchSeries:
    """Numbers of a watched result, run after run: one series per numeric column
    (a one-row result) or per label (label/value rows)."""

    runs: int = 0
    series: dict[str, list[float | None]] = field(default_factory=dict)

    def add(self, result: ResultSet | None) -> None:
        """Record one run's numbers (a run without any still counts)."""
        self.runs += 1
        values: dict[str, float | None] = {}
        if result is not None and len(result) and result.columns:
            numeric = [i for i, c in enumerate(result.columns) if c.numeric]
            if numeric and 0 not in numeric and len(result) > 1:
                for row in (result.row(i) for i in range(min(len(result), MAX_SERIES))):
                    values[str(row[0])] = _number(row[numeric[0]])
            elif numeric:
                row = result.row(0)
                values = {result.columns[i].name: _number(row[i]) for i in numeric[:MAX_SERIES]}
        for name in values:
            if name not in self.series and len(self.series) < MAX_SERIES:
                self.series[name] = [None] * (self.runs - 1)
        for name, points in self.series.items():
            points.append(values.get(name))
            del points[:-WATCH_POINTS]

    def plot(self) -> PlotData:
        """A line per series over the runs."""
        if not self.series:
            return PlotData(why_not="Nothing to plot: the watched result has no numeric column.")
        first = max(1, self.runs - WATCH_POINTS + 1)
        labels = [str(n) for n in range(first, self.runs + 1)]
        return PlotData("line", labels, {name: [v if v is not None else math.nan for v in points]
                                         for name, points in self.series.items()}, x_label="run")


def changed_cells(before: ResultSet | None, after: ResultSet | None, limit: int = 10_000) -> set[tuple[int, int]]:
    """(row, column) of the cells that differ from the previous run, by position
    (new rows count as changed); nothing when the columns changed."""
    if before is None or after is None or [c.name for c in before.columns] != [c.name for c in after.columns]:
        return set()
    changed: set[tuple[int, int]] = set()
    for index in range(min(len(after), limit)):
        if index < len(before) and before.rows[index] == after.rows[index]:
            continue
        new = after.row(index)
        old = before.row(index) if index < len(before) else [object()] * len(new)
        changed.update((index, column) for column, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
    return changed
