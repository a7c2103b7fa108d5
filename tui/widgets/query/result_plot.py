"""A chart of the shown result under the grid (textual-plotext): bars for
label/value rows, lines over time or over a watched query's runs. Named ANSI
colours only, so it reads the same in the 16-colour theme."""

from __future__ import annotations

import math

from textual_plotext import PlotextPlot

from tui.services.query.plot_data import PlotData

COLORS = ["cyan", "yellow", "green", "magenta", "red", "blue"]
MAX_LABEL = 12


class ResultPlot(PlotextPlot):
    """Draws one PlotData; hidden until the pane shows it."""

    DEFAULT_CSS = """
    ResultPlot { height: 2fr; min-height: 5; display: none; }
    ResultPlot.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: PlotData | None = None

    def draw(self, data: PlotData, title: str = "") -> None:
        """Replace the chart with `data` (which must have no `why_not`)."""
        self.data = data
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel(data.x_label)
        if data.kind == "bar":
            labels = [label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1] + "…" for label in data.labels]
            name, values = next(iter(data.series.items()))
            plt.title(title or f"{name} by {data.x_label}")  # one series: a title, no legend over the bars
            plt.bar(labels, values, color=COLORS[0])
        else:
            plt.title(title)
            xs = list(range(1, len(data.labels) + 1))
            for index, (name, values) in enumerate(data.series.items()):
                points = [(x, v) for x, v in zip(xs, values, strict=False) if not math.isnan(v)]
                if points:
                    plt.plot([p[0] for p in points], [p[1] for p in points], label=name,
                             color=COLORS[index % len(COLORS)], marker="braille")
            step = max(1, len(xs) // 6)
            ticks = xs[::step]
            plt.xticks(ticks, [data.labels[t - 1][:MAX_LABEL] for t in ticks])
        self.refresh()
