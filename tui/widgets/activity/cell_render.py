"""The sessions table's cells drawn without Rich's renderable pipeline.

DataTable draws each cell as Styled(Padding(Text)) through Console.render_lines:
~230 µs a cell. At 2,000 idle sessions shown, each refresh moves two time cells
in every visible row: ~75 cells, 17 ms a second of CPU. A cell that is one line
of plain text (no spans, narrower than its column) comes out of that pipeline as
four segments whose styles are known: the padding and the rest of the line in
the row's style, the text in the row's style plus its own. `plain_cell_lines`
builds those segments directly; anything else goes the usual way.
tests/widgets/activity/test_plain_rows.py checks both give the same segments.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text


def plain_cell_lines(cell: object, width: int, padding: int, pre_style: Style, post_style: Style,
                     get_style: Callable[..., Style]) -> list[list[Segment]] | None:
    """The one line of `cell` as DataTable would draw it in a column `width` cells
    wide (padding included), or None when the cell is not a plain one-line Text
    (spans, justified, tabs, too wide, empty: those go the usual way)."""
    if type(cell) is not Text or cell.spans or not cell.plain or cell.justify not in (None, "default"):
        return None
    text = cell.plain
    room = width - 2 * padding
    used = cell_len(text)
    if used > room or "\n" in text or "\t" in text or padding < 0:
        return None
    own = get_style(cell.style, default=Style.null())
    # As Segment.apply_style composes them: pre-style under, post-style over.
    base, style = (pre_style, pre_style + own) if pre_style else (Style.null(), own)
    if post_style:
        base = base + post_style if base else post_style
        style = style + post_style if style else post_style
    line = []
    if padding:
        line.append(Segment(" " * padding, base))
    line.append(Segment(text, style))
    if room > used:
        line.append(Segment(" " * (room - used), base))
    if padding:
        line.append(Segment(" " * padding, base))
    return [line]
