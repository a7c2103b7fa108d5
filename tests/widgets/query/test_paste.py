"""Pastes of any size, with or without bracketed paste, and the SQL editor's
highlighting of what is in view."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from helpers.pty_sessions import editor_text, open_query_editor
from helpers.pty_terminal import PtyBastion
from textual.app import App, ComposeResult
from textual.widgets import TextArea

from tui.widgets.query.sql_editor import BIG_DOCUMENT_LINES, SqlEditor

SQL = ("select o.id, o.total, c.name -- the order\n"
       "  from orders o join customers c on c.id = o.customer\n"
       " where c.name like 'a%' /* a comment\n"
       "over two lines */ and o.total > 10.5;\n")


def paste_bytes(text: str, bracketed: bool) -> bytes:
    data = text.replace("\n", "\r").encode()  # a terminal sends Enter for each newline
    return b"\x1b[200~" + data + b"\x1b[201~" if bracketed else data


def send_all(bastion: PtyBastion, data: bytes) -> None:
    import os

    view = memoryview(data)
    while view:
        view = view[os.write(bastion.master, view[:65536]):]


def wait_for_editor_text(home: Path, expected: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        try:
            text = editor_text(home)
        except OSError:
            text = ""
        if text == expected:
            break
        time.sleep(0.2)
    return text


def test_a_big_paste_arrives_intact_with_and_without_bracketed_paste(
    start_bastion: Callable[..., PtyBastion], sqlite_db: Path, isolated_env: Path,  # noqa: F811
) -> None:
    # Without bracketed paste each character was a key through Textual's parser and
    # an edit re-highlighting the whole buffer: 50 kB took 150 s.
    text = SQL * 1500  # 240 kB
    for bracketed in (False, True):
        bastion = start_bastion(f"sqlite:///{sqlite_db}")
        open_query_editor(bastion)
        sender = threading.Thread(target=send_all, args=(bastion, paste_bytes(text, bracketed)), daemon=True)
        sender.start()
        assert wait_for_editor_text(isolated_env, text, timeout=30) == text, f"bracketed={bracketed}"
        assert bastion.quit() == 0
        editor_text(isolated_env)  # the next run starts from an empty editor
        (isolated_env / "xdg_data_home" / "bastion" / "editor" / "ad-hoc.sql").write_text("")


class TwoEditors(App[None]):
    def __init__(self, text: str, reference_text: str | None = None) -> None:
        super().__init__()
        self.text, self.reference_text = text, reference_text if reference_text is not None else text

    def compose(self) -> ComposeResult:
        yield SqlEditor.code_editor(self.text, language="sql", id="ours", soft_wrap=False,
                                      show_line_numbers=False)
        yield TextArea.code_editor(self.reference_text, language="sql", id="textual", soft_wrap=False,
                                      show_line_numbers=False)

    CSS = "TextArea { height: 12; }"


def highlights_in_view(editor: TextArea, rows: int = 12) -> list[list[tuple[int, int | None, str]]]:
    """The highlight ranges of the lines in view (after drawing them)."""
    top = editor.scroll_offset.y
    for y in range(editor.size.height):
        editor.render_line(y)
    return [sorted(editor._highlights.get(row, [])) for row in range(top, top + rows)]


async def test_the_editor_highlights_what_is_in_view_like_textual_does() -> None:
    app = TwoEditors(SQL * 30)
    async with app.run_test(size=(80, 30)) as pilot:
        ours, textual = app.query_one("#ours", SqlEditor), app.query_one("#textual", TextArea)
        await pilot.pause()
        assert any(highlights_in_view(ours))
        assert highlights_in_view(ours) == highlights_in_view(textual)
        for editor in (ours, textual):
            editor.scroll_to(0, 70, animate=False, immediate=True)
            editor.move_cursor((75, 3))
            editor.insert("'unterminated\n")  # re-highlights what follows
        await pilot.pause()
        assert highlights_in_view(ours) == highlights_in_view(textual)


async def test_a_big_document_is_highlighted_in_view_without_a_whole_document_parse() -> None:
    text = SQL * (BIG_DOCUMENT_LINES // 4 + 100)
    app = TwoEditors(text, reference_text=SQL * 10)
    async with app.run_test(size=(80, 30)) as pilot:
        ours, textual = app.query_one("#ours", SqlEditor), app.query_one("#textual", TextArea)
        await pilot.pause()
        assert ours._highlight_query is None, "the big document should be plain text"
        assert highlights_in_view(ours, 8) == highlights_in_view(textual, 8)


async def test_a_paste_that_makes_the_document_big_keeps_text_cursor_and_highlights() -> None:
    app = TwoEditors(SQL, reference_text=SQL * 10)
    async with app.run_test(size=(80, 30)) as pilot:
        ours, textual = app.query_one("#ours", SqlEditor), app.query_one("#textual", TextArea)
        ours.move_cursor((4, 0))
        ours.insert(SQL * (BIG_DOCUMENT_LINES // 4 + 1))
        await pilot.pause()
        assert ours.text == SQL * (BIG_DOCUMENT_LINES // 4 + 2)
        assert ours.cursor_location == (4 * (BIG_DOCUMENT_LINES // 4 + 2), 0)
        ours.scroll_to(0, 0, animate=False, immediate=True)
        await pilot.pause()
        assert highlights_in_view(ours, 8) == highlights_in_view(textual, 8)
