"""The terminal driver: Textual's Linux driver, made safe for what SSH delivers.

- Bytes that are not UTF-8 (a Latin-1 terminal, a stray byte in a paste) become
  U+FFFD instead of a `UnicodeDecodeError` that ends the app.
- Runs of plain characters read in one go (a paste without bracketed paste, a
  burst over SSH) reach the app as one `TypedText` instead of one event per
  character, so a 5 MB paste costs a few thousand messages, not five million;
  plain ASCII between escape sequences and bracketed pastes do not even go
  through Textual's parser (a generator step per character: 24 µs, two
  minutes for 5 MB).
- A terminal that is gone (the SSH session closed: writes fail with EIO/EPIPE) is
  no longer written to, and the app is asked to exit at once instead of blocking
  on Textual's full output queue.
"""

from __future__ import annotations

import os
import re
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable, Iterable
from typing import IO, Any

from textual import events
from textual._parser import ParseError, Read1
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.keys import _character_to_key
from textual.message import Message

from tui.key_order import TypedText

READ_SIZE = 4096
PLAIN_ASCII_RUN = re.compile(r"[\x20-\x7e\r]{2,}")  # printable ASCII and Enter
HUNG_UP = 129  # the exit code of a SIGHUP, which usually arrives too


def is_plain_character(event: Message) -> bool:
    """A key that only types its character (or Enter), so it can travel in a `TypedText`."""
    if not isinstance(event, events.Key) or event.character is None or len(event.character) != 1:
        return False
    if event.character == "\r":
        return event.key == "enter"
    return event.is_printable and event.key == _character_to_key(event.character)


def group_typed_text(parsed: Iterable[Message]) -> Iterable[Message]:
    """The parser's events, with each run of two or more plain characters as one `TypedText`."""
    run: list[Message] = []
    for event in parsed:
        if is_plain_character(event):
            run.append(event)
            continue
        yield from _flush(run)
        yield event
    yield from _flush(run)


def parser_is_idle(parser: XTermParser) -> bool:
    """True if the parser is between sequences and not inside a bracketed paste,
    so plain characters would each become a key."""
    awaiting, frame = parser._awaiting, parser._gen.gi_frame
    if not isinstance(awaiting, Read1) or awaiting.timeout is not None or frame is None or parser._tokens:
        return False
    return frame.f_locals.get("bracketed_paste") is False  # a generator local; unknown means not idle


PASTE_START, PASTE_END = "\x1b[200~", "\x1b[201~"


class TerminalInput:
    """Textual's XTermParser, with fast paths for what it does one generator step
    per character (24 µs): plain ASCII typed between sequences becomes `TypedText`
    directly, and a bracketed paste is cut out of the stream as one `Paste`."""

    def __init__(self, parser: XTermParser) -> None:
        self.parser = parser
        self._pasted: list[str] | None = None  # inside a bracketed paste
        self._carry = ""  # the end of a read that may be the start of PASTE_END

    def feed(self, text: str) -> Iterable[Message]:
        """The events for `text`, the next decoded read."""
        while text:
            if self._pasted is not None:
                text = yield from self._in_paste(text)
                continue
            start = text.find(PASTE_START)
            before, text = (text, "") if start < 0 else (text[:start], text[start:])
            yield from self._typed(before)
            if text:
                if parser_is_idle(self.parser):
                    self._pasted, text = [], text[len(PASTE_START):]
                else:  # inside some other sequence: let the parser have it
                    yield from self.parser.feed(text)
                    text = ""

    def _in_paste(self, text: str) -> Iterable[Message]:
        buffer, self._carry = self._carry + text, ""
        end = buffer.find(PASTE_END)
        assert self._pasted is not None
        if end < 0:
            keep = min(len(buffer), len(PASTE_END) - 1)
            self._pasted.append(buffer[:len(buffer) - keep])
            self._carry = buffer[len(buffer) - keep:]
            return ""
        self._pasted.append(buffer[:end])
        yield events.Paste("".join(self._pasted).replace("\x00", ""))  # as Textual's parser does
        self._pasted = None
        return buffer[end + len(PASTE_END):]

    def _typed(self, text: str) -> Iterable[Message]:
        position = 0
        for run in PLAIN_ASCII_RUN.finditer(text):
            if run.start() > position:
                yield from self.parser.feed(text[position:run.start()])
            if parser_is_idle(self.parser):
                yield TypedText(run.group())
            else:
                yield from self.parser.feed(run.group())
            position = run.end()
        if position < len(text):
            yield from self.parser.feed(text[position:])


def _flush(run: list[Message]) -> Iterable[Message]:
    if len(run) > 1:
        yield TypedText("".join(key.character for key in run))  # type: ignore[attr-defined]
    else:
        yield from run
    run.clear()


class TerminalFile:
    """The terminal's output file: after the first failed write (the terminal is
    gone) every write is dropped and `on_gone` is called once."""

    def __init__(self, file: IO[str], on_gone: Callable[[], None]) -> None:
        self._file = file
        self._on_gone = on_gone
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            self._guard(self._file.write, text)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            self._guard(self._file.flush)

    def _guard(self, call: Callable[..., Any], *args: Any) -> None:
        try:
            call(*args)
        except (OSError, ValueError):  # EIO/EPIPE from a hung-up tty, or a closed file
            self.gone = True
            self._on_gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


class TerminalDriver(LinuxDriver):
    """Textual's Linux driver with replacement decoding, typed-text runs and a
    terminal that may disappear (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._file = TerminalFile(self._file, self._terminal_gone)  # type: ignore[arg-type]
        self._gone_reported = threading.Event()

    @property
    def terminal_gone(self) -> bool:
        """True once a write to the terminal failed."""
        return self._file.gone  # type: ignore[union-attr]

    def write(self, data: str) -> None:
        if not self.terminal_gone:  # Textual's output queue would fill up and block the app
            super().write(data)

    def _terminal_gone(self) -> None:
        if self._gone_reported.is_set():
            return
        self._gone_reported.set()
        app = self._app
        loop = getattr(app, "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: app.exit(return_code=HUNG_UP))

    def run_input_thread(self) -> None:
        """Textual's input loop (LinuxDriver.run_input_thread), decoding with
        replacement and grouping plain characters into `TypedText`."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        terminal_input = TerminalInput(parser)
        decode = getincrementaldecoder("utf-8")(errors="replace").decode

        def read_and_post(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for index, (_key, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    try:
                        data = os.read(self.fileno, READ_SIZE)
                    except OSError:  # EIO: the terminal hung up
                        data = b""
                    if not data:
                        self.exit_event.wait(0.1)  # end of input: don't spin on a dead tty
                        break
                    text = decode(data, final=final and index == len(ready) - 1)
                    if text:  # empty while a character's bytes are split across reads; feed("") ends the parser
                        for event in group_typed_text(terminal_input.feed(text)):
                            self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                read_and_post(selector.select(0.1))
            selector.unregister(self.fileno)
            read_and_post(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass
