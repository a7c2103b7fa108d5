"""Textual's command palette, hardened against key storms."""

from __future__ import annotations

from textual import work
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandPalette
from textual.css.query import NoMatches

# The palette's own search worker, before Textual's @work wrapped it.
_textual_gather_commands = CommandPalette._gather_commands.__wrapped__  # type: ignore[attr-defined]


class SafeCommandPalette(CommandPalette):
    """Four races in Textual 8's palette crash an app when keys arrive fast (all
    found by tests/e2e/test_random_keys.py): page-up/down before the option list is
    laid out (KeyError), down before it is mounted (NoMatches), a search still
    running after the palette closed (NoMatches in a worker), and a second
    dismiss (ScreenStackError). Here each
    just stops, as it would have a moment later."""

    _dismissed = False

    def dismiss(self, result: None = None) -> AwaitComplete:
        # A selection and an escape arriving together would pop twice (and pop the
        # screen below, or fail on an empty stack): the first one wins.
        if self._dismissed or not self.is_attached or self.app.screen is not self:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)

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

    def _action_cursor_down(self) -> None:
        # Down while the palette is still mounting: no list to move in yet.
        try:
            self.query_one(CommandList)
        except NoMatches:
            return
        super()._action_cursor_down()

    @work(exclusive=True, group=CommandPalette._GATHER_COMMANDS_GROUP)  # type: ignore[attr-defined]
    async def _gather_commands(self, search_value: str) -> None:
        try:
            await _textual_gather_commands(self, search_value)
        except NoMatches:
            return  # the palette closed while searching
