"""Leaving a workspace with open work: the Query pane's transaction and Browse's
staged edits are asked about before the workspace goes (quit, switch, reconnect)."""

from __future__ import annotations

from collections.abc import Callable

from textual.screen import Screen


def leave_after_open_work(screen: Screen[None], leaving: str, then: Callable[[], None]) -> None:
    """`then` at once, or after the Query pane's open transaction was committed or
    rolled back (and Browse's staged edits were sent or dropped); never if the user
    stays. `leaving` names what waits ("Quit", "Switch database", "Reconnect" …)."""
    if leaving != "Reconnect":  # a reconnect keeps Browse's staged edits; leaving drops them
        then = _after_staged_edits(screen, leaving, then)
    for pane in screen.query("#query-pane"):
        settle = getattr(pane, "settle_transaction", None)
        if callable(settle):
            settle(leaving, then)
            return
    then()


def _after_staged_edits(screen: Screen[None], leaving: str, then: Callable[[], None]) -> Callable[[], None]:
    """`then`, asked first when Browse holds staged edits that were never sent."""
    for pane in screen.query("#browse-pane"):
        edits = getattr(pane, "edits", None)
        if edits is not None:
            return lambda: edits.leave_after_asking(leaving, then)
    return then
