"""How the result grid draws a line: a cell's one-line text, the theme's colours
as Rich styles, and one row's segments at the columns' widths."""

from __future__ import annotations

from collections.abc import Mapping

from rich.cells import cell_len, set_cell_size
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color, ColorParseError
from textual.strip import Strip

NULL_TEXT = "NULL"


def display_text(value: str | None) -> str:
    """One line of a cell: control characters and newlines made visible."""
    if value is None:
        return NULL_TEXT
    if len(value) > 400:
        value = value[:400]
    return value.replace("\n", "↵").replace("\r", "").replace("\t", " ")


def rich_color(value: str | None) -> RichColor | None:
    """A theme variable ("#1e2a38", "ansi_blue", ...) as a Rich colour: Rich does not
    know Textual's `ansi_*` names, and the ANSI-16 theme uses nothing else."""
    if not value:
        return None
    try:
        color = Color.parse(value)
    except ColorParseError:
        return None
    if color.ansi == -1 or color.a == 0:
        return None  # ansi_default or transparent: keep the widget's own background
    return color.rich_color


def grid_styles(variables: Mapping[str, str], base: Style, focused: bool) -> dict[str, Style]:
    """The styles of the grid's parts, from the theme's variables over `base`."""
    selected = rich_color(variables.get("primary-muted")) or rich_color(variables.get("primary"))
    return {
        "header": base + Style(bold=True, color=rich_color(variables.get("primary"))),
        "even": base,
        "odd": base + Style(bgcolor=rich_color(variables.get("surface"))),
        "null": base + Style(dim=True, italic=True),
        "cursor": Style(reverse=True, bold=True) if focused else Style(underline=True),
        "rule": base + Style(dim=True),
        "selected": Style(bgcolor=selected) if selected else Style(reverse=True),
        "changed": Style(bold=True, color=rich_color(variables.get("warning"))),
    }


def draw_cells(cells: list[tuple[str, bool]], widths: list[int], style: Style, null_style: Style,
               cursor_col: int | None, styles: dict[str, Style], nulls: list[bool] | None = None,
               chosen: range | None = None, changed: list[bool] | None = None) -> Strip:
    """One line: each (text, numeric) cell fitted to its width (numbers to the right),
    styled as NULL, changed (watch mode), selected or under the cursor."""
    segments = [Segment(" ", style)]
    for column, ((text, numeric), width) in enumerate(zip(cells, widths, strict=False)):
        fitted = text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"
        fitted = fitted.rjust(width) if numeric else fitted
        fitted = set_cell_size(fitted, width)  # pads, and cuts wide characters cleanly
        cell_style = null_style if nulls and nulls[column] else style
        if changed and changed[column]:  # watch mode: differs from the previous run
            cell_style = cell_style + styles["changed"]
        if chosen is not None and column in chosen:
            cell_style = cell_style + styles["selected"]
        if column == cursor_col:
            cell_style = cell_style + styles["cursor"]
        segments.append(Segment(fitted, cell_style))
        segments.append(Segment(" │ ", styles["rule"]))
    return Strip(segments)
