"""Connecting a profile: which password to try, when to ask, what to keep.

Blocking functions with no Textual imports: the UI calls them from workers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from tui.db import ConnectFailure, Database, open_database
from tui.profiles import Profile
from tui.secrets import PasswordVault


@dataclass
class Connected:
    """A successful connection and what happened to the password on the way."""

    database: Database
    saved_to_keyring: bool = False
    keyring_note: str | None = None  # set once when the keyring could not be used


def known_password(profile: Profile, vault: PasswordVault) -> str | None:
    """The password to try first, without asking anyone."""
    if profile.is_sqlite:
        return None
    if profile.password == "keyring":
        return vault.lookup(profile.name)
    if profile.password == "prompt":
        return vault.lookup(profile.name, use_keyring=False)
    return None  # pgpass / env / none: libpq finds it (PGPASSWORD, .pgpass) or needs none


Progress = Callable[[str], None]


def connect_first_try(
    profile: Profile, vault: PasswordVault, *,
    progress: Progress | None = None, cancelled: threading.Event | None = None,
) -> Connected:
    """Connect with the password we already know (keyring, memory, libpq's own).

    Raises ConnectFailure; `wants_password` on it means "ask the user".
    """
    password = known_password(profile, vault)
    try:
        database = open_database(profile, password, progress=progress, cancelled=cancelled)
    except ConnectFailure as failure:
        if failure.wants_password:
            vault.forget(profile.name)
        raise
    return Connected(database, keyring_note=_keyring_note(profile, vault))


def connect_with_password(
    profile: Profile, vault: PasswordVault, password: str, *,
    progress: Progress | None = None, cancelled: threading.Event | None = None,
) -> Connected:
    """Connect with a password the user typed. Only once it has authenticated is it
    kept: in the keyring for `password: keyring` profiles, else in memory."""
    database = open_database(profile, password, progress=progress, cancelled=cancelled)
    saved = vault.remember(profile.name, password, persist=profile.password == "keyring")
    return Connected(database, saved_to_keyring=saved, keyring_note=_keyring_note(profile, vault))


def _keyring_note(profile: Profile, vault: PasswordVault) -> str | None:
    if profile.password != "keyring" or vault.keyring.unavailable is None:
        return None
    return vault.keyring.unavailable.advice
