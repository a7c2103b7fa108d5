"""The SQL editor: Textual's TextArea, with a cost per keystroke that does not
grow with the buffer.

After every edit Textual's TextArea re-parses the document with tree-sitter and
asks for the highlights of the whole document; for every line it draws it sums
the height of every line and joins the whole text: in a 5 MB buffer a keystroke
cost over a second. Here the highlights are computed for the lines around the
viewport only, when drawn; the height is read and the text joined once per edit.
A big document (a pasted dump) is kept as plain text, and only the lines in view
are parsed.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from textual._tree_sitter import get_language
from textual.document._edit import Edit
from textual.document._wrapped_document import WrappedDocument
from textual.expand_tabs import get_tab_widths
from textual.geometry import Size
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import EditResult

HIGHLIGHT_MARGIN = 60  # lines highlighted above and below the viewport: a short scroll needs no new query
BIG_DOCUMENT_LINES = 10_000  # above this, no whole-document parse: only the lines in view are parsed


class _WrappedDocumentWithHeight(WrappedDocument):
    """WrappedDocument whose `height` is read, not summed over every line, and whose
    full wrap without soft wrap (after a paste, or when a scrollbar appears) skips
    the per-line wrapping work: a second per 70,000 lines."""

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        if width:
            super().wrap(width, tab_width)
            return
        self._width = 0
        if tab_width:
            self._tab_width = tab_width
        lines = self.document.lines
        self._wrap_offsets = [[] for _ in lines]
        self._offset_to_line_info = [(index, 0) for index in range(len(lines))]
        self._line_index_to_offsets = [[index] for index in range(len(lines))]
        self._tab_width_cache = [self._tab_widths(line) for line in lines]

    def _tab_widths(self, line: str) -> list[int]:
        if "\t" in line or not line:
            return [width for _, width in get_tab_widths(line, self._tab_width)]
        return [0]  # what get_tab_widths gives for a line without tabs

    @property
    def height(self) -> int:
        return len(self._offset_to_line_info)  # one entry per wrapped row


class SqlEditor(TextArea):
    """A TextArea that highlights only the lines in and around the viewport."""

    _highlighted_lines: tuple[int, int] | None = None
    _text: str | None = None
    _edited_rows: tuple[int, int] | None = None  # during an edit: the rows it touched
    _widest: int | None = None  # cell width of the widest line
    _view_language: str | None = None  # set while a big document is kept as plain text
    _view_parser: Any = None
    _view_query: Any = None

    def _set_document(self, text: str, language: str | None) -> None:
        big = language is not None and text.count("\n") > BIG_DOCUMENT_LINES
        self._use_view_parsing(language if big else None)
        self._widest = None
        super()._set_document(text, None if big else language)
        self.wrapped_document.__class__ = _WrappedDocumentWithHeight

    def _use_view_parsing(self, language: str | None) -> None:
        self._view_language = language
        self._view_parser = self._view_query = None
        found = get_language(language) if language else None
        if found is not None:
            from tree_sitter import Parser, Query

            self._view_parser = Parser(found)
            self._view_query = Query(found, self._get_builtin_highlight_query(language))  # type: ignore[arg-type]

    def edit(self, edit: Edit) -> EditResult:
        if self._view_language is None and self.language and self._grows_big(edit):
            self._keep_as_plain_text()
        first_row = min(edit.from_location, edit.to_location)[0]
        self._edited_rows = (first_row, first_row + edit.text.count("\n"))
        try:
            return super().edit(edit)
        finally:
            self._edited_rows = None

    def _refresh_size(self) -> None:
        rows = self._edited_rows
        if self.soft_wrap or rows is None or self._widest is None:
            super()._refresh_size()  # measures every line
            self._widest = self.virtual_size.width - self.gutter_width - 1
            return
        # Only the edited lines can have grown (a line that shrank leaves some room to scroll).
        lines = self.document.lines[rows[0]:rows[1] + 1]
        tab = self.indent_width
        widest = max([self._widest, *(cell_len(line.expandtabs(tab)) for line in lines)])
        self._widest = widest
        self.virtual_size = Size(widest + self.gutter_width + 1, self.document.line_count)
        self._refresh_scrollbars()

    def _grows_big(self, edit: Edit) -> bool:
        return self.document.line_count + edit.text.count("\n") > BIG_DOCUMENT_LINES

    def _keep_as_plain_text(self) -> None:
        # Once, before a paste makes the document big: from now on only the view is parsed.
        selection, scroll = self.selection, self.scroll_offset
        self._set_document(self.text, None)
        self._use_view_parsing(self.language)
        self.selection = selection
        self.scroll_to(scroll.x, scroll.y, animate=False, immediate=True)

    @property
    def text(self) -> str:
        """The entire text, joined once per edit (TextArea reads it for every line it
        draws, to decide whether to show a placeholder)."""
        if self._text is None:
            self._text = self.document.text
        return self._text

    @text.setter
    def text(self, value: str) -> None:
        self.load_text(value)

    def _build_highlight_map(self) -> None:
        # TextArea calls this after every change of the document (edit, undo, redo,
        # load): forget the text and the highlights; highlight when drawn.
        self._text = None
        self._line_cache.clear()
        self._highlights.clear()
        self._highlighted_lines = None

    def render_line(self, y: int) -> Strip:
        self._highlight_lines_in_view()
        return super().render_line(y)

    def _lines_in_view(self) -> tuple[int, int]:
        """The first and last document lines the viewport shows (soft wrap aware)."""
        top, bottom = self._visible_line_indices
        rows = self.wrapped_document._offset_to_line_info
        if not rows:
            return 0, 0
        first = rows[min(top, len(rows) - 1)][0]
        last = rows[min(bottom, len(rows) - 1)][0]
        return first, last

    def _highlight_lines_in_view(self) -> None:
        if not self._highlight_query and self._view_query is None:
            return
        first, last = self._lines_in_view()
        done = self._highlighted_lines
        if done is not None and done[0] <= first and last <= done[1]:
            return
        start, end = max(0, first - HIGHLIGHT_MARGIN), last + HIGHLIGHT_MARGIN
        self._line_cache.clear()
        self._highlights.clear()
        self._add_highlights(self._captures(start, end), start, end)
        self._highlighted_lines = (start, end)

    def _captures(self, start: int, end: int) -> dict[str, list[Any]]:
        """Highlight captures for lines start..end, rows counted from the document's top."""
        if self._view_query is None:
            return self.document.query_syntax_tree(self._highlight_query, (start, 0), (end + 1, 0))
        from tree_sitter import QueryCursor

        # Parsed from `start`: a string or comment opened above the margin is not seen.
        snippet = "\n".join(self.document.lines[start:end + 1])
        tree = self._view_parser.parse(snippet.encode("utf-8"))
        return {name: [_Shifted(node, start) for node in nodes]
                for name, nodes in QueryCursor(self._view_query).captures(tree.root_node).items()}

    def _add_highlights(self, captures: dict[str, list[Any]], start: int, end: int) -> None:
        highlights = self._highlights
        for name, nodes in captures.items():
            for node in nodes:
                (start_row, start_column), (end_row, end_column) = node.start_point, node.end_point
                if start_row == end_row:
                    highlights[start_row].append((start_column, end_column, name))
                    continue
                # A node over many lines (an unterminated string): only the rows in range.
                if start_row >= start:
                    highlights[start_row].append((start_column, None, name))
                for row in range(max(start_row + 1, start), min(end_row, end + 1)):
                    highlights[row].append((0, None, name))
                if end_row <= end:
                    highlights[end_row].append((0, end_column, name))


class _Shifted:
    """A captured node's start and end points, moved down by `rows`."""

    def __init__(self, node: Any, rows: int) -> None:
        self.start_point = (node.start_point[0] + rows, node.start_point[1])
        self.end_point = (node.end_point[0] + rows, node.end_point[1])
