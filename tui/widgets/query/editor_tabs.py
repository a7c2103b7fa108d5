"""The SQL editor with one tab per buffer, each autosaved to a file of its own."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.scalar import Scalar, Unit
from textual.geometry import Size
from textual.message import Message
from textual.widgets import Tab, Tabs, TextArea

from tui.services.query.autosave import EditorAutosave, buffer_autosaves, discard
from tui.services.query.completion import Candidate
from tui.services.query.splitter import (
    Statement,
    location_to_offset,
    make_room_for_statement,
    offset_to_location,
    split_statements,
    statement_at,
)
from tui.widgets.query.sql_editor import SqlEditor

# The editor takes a share of the Query body, the tab strip (#editor-tabs) sits above it.
EDITOR_SHARE = Scalar.parse("40%", Unit.HEIGHT)
EDITOR_MIN_HEIGHT = 4
TAB_STRIP_HEIGHT = 2


def editor_theme(app: Any) -> str:
    """Monokai on a full-colour theme; on the ANSI-16 theme the editor follows the
    app's own colours ("css") instead of painting a black box on a light terminal."""
    theme = app.current_theme
    return "css" if theme is not None and theme.ansi else "monokai"


class EditorTabs(Vertical):
    """The SQL editor and its tabs: one buffer per tab, each autosaved with passwords
    masked in the file. It answers what is selected or under the cursor, and makes
    the edits the pane asks for (a statement from history, a completion, a format)."""

    class AutosaveRedacted(Message):
        """A tab was saved with a password masked in the file (posted from the saving thread)."""

    def __init__(self, profile_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile_name = profile_name
        self.autosaves: list[EditorAutosave] = buffer_autosaves(profile_name)
        self.buffers: list[str] = [saved.load() for saved in self.autosaves]
        for saved in self.autosaves:
            saved.on_redacted = self._autosave_redacted
        self.active_buffer = 0

    def compose(self) -> ComposeResult:
        yield Tabs(*[Tab(f"Query {i + 1}", id=f"buffer-{i}") for i in range(len(self.buffers))], id="editor-tabs")
        editor = SqlEditor.code_editor(self.buffers[0], language="sql", id="sql-editor",
                                       soft_wrap=False, show_line_numbers=True)
        editor.cursor_blink = False
        editor.theme = editor_theme(self.app)
        yield editor

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._follow_theme)

    def on_unmount(self) -> None:
        # Children are gone by now: save from our own copy of each buffer. Nobody is
        # left to tell about a masked password.
        for saved, text in zip(self.autosaves, self.buffers, strict=False):
            saved.on_redacted = None
            saved.save_now(text)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The tab strip plus the editor, whose height is a share of the Query body
        (`container`): as tall as when both sat in the body on their own."""
        editor = max(Fraction(EDITOR_MIN_HEIGHT), EDITOR_SHARE.resolve(container, viewport))
        return TAB_STRIP_HEIGHT + int(editor)

    @property
    def _has_relative_children_height(self) -> bool:
        # Textual stretches an auto-height container with a `1fr` child (the editor)
        # to the whole body: the height above is the one wanted.
        return False

    @property
    def editor(self) -> TextArea:
        return self.query_one("#sql-editor", TextArea)

    def _follow_theme(self, _theme: Any) -> None:
        self.editor.theme = editor_theme(self.app)

    def _autosave_redacted(self) -> None:
        try:
            self.post_message(self.AutosaveRedacted())
        except RuntimeError:  # the app is gone
            pass

    # -- tabs -------------------------------------------------------------------------------
    @on(TextArea.Changed, "#sql-editor")
    def _edited(self, event: TextArea.Changed) -> None:
        self.buffers[self.active_buffer] = event.text_area.text
        self.autosaves[self.active_buffer].changed(event.text_area.text)

    def new_tab(self) -> None:
        """Open an empty tab after the others, with a file of its own."""
        number = len(self.buffers) + 1
        self.autosaves.append(EditorAutosave(f"{self.profile_name}.{number}"))
        self.autosaves[-1].on_redacted = self._autosave_redacted
        self.buffers.append("")
        tabs = self.query_one("#editor-tabs", Tabs)
        tabs.add_tab(Tab(f"Query {number}", id=f"buffer-{number - 1}"))
        tabs.active = f"buffer-{number - 1}"

    async def close_tab(self) -> str:
        """Close the active tab and return its text (the caller keeps it in history).
        The files are numbered by position: the tabs after it move up one, the last
        file goes. The only tab is emptied instead: the editor always has one."""
        index = self.active_buffer
        text = self.buffers[index]
        tabs = self.query_one("#editor-tabs", Tabs)
        if len(self.buffers) == 1:
            self.buffers[0] = ""
            self.autosaves[0].changed("")
            self.editor.load_text("")
            return text
        del self.buffers[index]
        self._discard(self.autosaves.pop())
        for position in range(index, len(self.buffers)):
            self.autosaves[position].changed(self.buffers[position])
        self.active_buffer = min(index, len(self.buffers) - 1)
        self.editor.load_text(self.buffers[self.active_buffer])
        await tabs.remove_tab(f"buffer-{len(self.buffers)}")
        tabs.active = f"buffer-{self.active_buffer}"
        self.editor.focus()
        return text

    @work(thread=True, group="editor-discard", exit_on_error=False)
    def _discard(self, autosave: EditorAutosave) -> None:
        discard(autosave)

    def next_tab(self) -> None:
        self.query_one("#editor-tabs", Tabs).action_next_tab()

    @on(Tabs.TabActivated, "#editor-tabs")
    def _buffer_chosen(self, event: Tabs.TabActivated) -> None:
        if event.tab is None or event.tab.id is None:
            return
        index = int(event.tab.id.removeprefix("buffer-"))
        if index == self.active_buffer or index >= len(self.buffers):
            return
        self.active_buffer = index
        self.editor.load_text(self.buffers[index])
        self.editor.focus()

    # -- what to run ------------------------------------------------------------------------
    def selected_or_current(self) -> list[Statement]:
        """The statements in the selection, or the one under the cursor."""
        editor = self.editor
        text = editor.text
        selection = editor.selection
        if selection.start != selection.end:
            start = location_to_offset(text, *min(selection.start, selection.end))
            end = location_to_offset(text, *max(selection.start, selection.end))
            return [replace(s, start=s.start + start, meta_end=s.meta_end + start if s.meta else 0)
                    for s in split_statements(text[start:end])]
        current = statement_at(split_statements(text), location_to_offset(text, *editor.cursor_location))
        return [current] if current else []

    def all_statements(self) -> list[Statement]:
        return split_statements(self.editor.text)

    def text_and_cursor(self) -> tuple[str, int]:
        """The text, and the cursor as an offset in it."""
        text = self.editor.text
        return text, location_to_offset(text, *self.editor.cursor_location)

    # -- edits the pane asks for ------------------------------------------------------------------
    def select_character(self, offset: int) -> tuple[int, int]:
        """Select the character at `offset` (an error's position), leaving the cursor
        on it; returns its (line, column)."""
        editor = self.editor
        line, column = offset_to_location(editor.text, offset)
        editor.selection = type(editor.selection)((line, column + 1), (line, column))
        return line, column

    def load_statement(self, sql: str) -> None:
        """Put a statement from history in the editor as a statement of its own: over
        the selection, or after the statement under the cursor on a line of its own."""
        editor = self.editor
        selection = editor.selection
        if selection.start != selection.end:
            editor.replace(sql, selection.start, selection.end)
            return
        text = editor.text
        offset, prefix = make_room_for_statement(text, location_to_offset(text, *editor.cursor_location))
        editor.insert(prefix + sql + "\n", offset_to_location(text, offset))

    def insert_completion(self, candidate: Candidate, start: int) -> None:
        """Replace the word from `start` to the cursor with a candidate (a keyword in
        lower case when that is how it was being typed)."""
        editor = self.editor
        text = editor.text
        typed = text[start:location_to_offset(text, *editor.cursor_location)]
        word = candidate.text.lower() if candidate.kind == "keyword" and typed.islower() else candidate.text
        editor.replace(word, offset_to_location(text, start), editor.cursor_location)

    def format_sql(self) -> None:
        """Reindent the whole buffer, keywords upper case (one undoable edit)."""
        import sqlparse

        editor = self.editor
        formatted = sqlparse.format(editor.text, reindent=True, keyword_case="upper")
        if formatted != editor.text:
            editor.replace(formatted, (0, 0), editor.document.end)
