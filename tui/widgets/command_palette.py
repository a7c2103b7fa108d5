"""Textual's command palette, hardened against key storms."""

from __future__ import annotations

from textual import work
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches

# The palette's own search worker, before Textual's @work wrapped it.
_textual_gather_commands = CommandPalette._gather_commands.__wrapped__  # type: ignore[attr-defined]


class SafeCommandPalette(CommandPalette):
    """Two races in Textual 8's palette crash an app when keys arrive fast (both
    found by tests/test_random_keys.py): page-up/down before the option list is
    laid out (KeyError), and a search still running after the palette closed
    (NoMatches in a worker). Here both just stop, as they would have a moment later."""

    def _action_command_list(self, action: str) -> None:
        try:
            command_list = self.query_one(CommandList)
        except NoMatches:
            return
        if command_list.option_count == 0:
            return
        try:
            super()._action_command_list(action)
        except (KeyError, IndexError):
            return  # the list is not laid out yet; the next key will work

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)  # type: ignore[attr-defined]
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await _textual_gather_commands(self, search_value)
        except NoMatches:
            return  # the palette closed while searching
