"""Switching a workspace to another database of the same server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.services.connect import Connected

if TYPE_CHECKING:
    from tui.screens.workspace import WorkspaceScreen


def switch_database(screen: WorkspaceScreen, name: str) -> None:
    """Open database `name` of this server with the profile's credentials, tunnel
    and TLS; `screen` closes once the new workspace is connected. Every way of
    leaving this database goes through here: open work is asked about first."""
    if name == (screen.database.info.database or screen.profile.database):
        screen.app.notify(f"Already on {name}.")
        return
    target = screen.profile.with_changes(database=name)
    home = screen.home_profile
    workspace = type(screen)  # the screen's own class: this module is imported by it

    def connected(result: Connected | None) -> None:
        if result is None:
            return  # cancelled or failed: the ConnectScreen said why; stay here
        screen.app.switch_screen(workspace(target, result.database, home=home))

    def connect() -> None:
        from tui.screens.connect import ConnectScreen

        screen.app.push_screen(ConnectScreen(target, screen.app.vault), connected)  # type: ignore[attr-defined]

    screen.leave_transaction_first("Switch database", connect)
