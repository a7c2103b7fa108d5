"""What an import will create, shown before anything is saved: each profile's
final name (made unique against the file), target, where its password goes, and
the hints found on the way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.formatting import plural
from tui.profiles.imports.urls import ImportedProfile, unique_name
from tui.profiles.model import Profile, ProfileFileError

if TYPE_CHECKING:
    from tui.profiles.store import ProfileStore
    from tui.secrets import KeyringStore


@dataclass(frozen=True)
class PlannedProfile:
    """One profile an import will add, under the name it will have."""

    item: ImportedProfile
    name: str

    @property
    def password_note(self) -> str:
        if self.item.profile.is_sqlite:
            return "no password (a file)"
        if self.item.password is None:
            return "no password in the source"
        return "password → OS keyring"


@dataclass(frozen=True)
class ImportPlan:
    """Every profile an import will add, and notes on what was skipped."""

    source: str
    profiles: tuple[PlannedProfile, ...]
    notes: tuple[str, ...] = ()

    def heading(self) -> str:
        """`Will create 2 profiles:`, above the preview lines in the CLI and the dialog."""
        return f"Will create {plural(len(self.profiles), 'profile')}:"

    def preview_lines(self) -> list[str]:
        """One line per profile, its hints indented below: for the CLI and the dialog."""
        lines: list[str] = []
        for planned in self.profiles:
            wanted = planned.item.profile.name
            renamed = f" (renamed: '{wanted}' exists)" if planned.name != wanted else ""
            lines.append(f"{planned.name}{renamed}  {planned.item.profile.target()}")
            lines.append(f"    {planned.password_note} · from {planned.item.origin}")
            lines.extend(f"    hint: {hint}" for hint in planned.item.hints)
        lines.extend(f"note: {note}" for note in self.notes)
        return lines


def plan_import(source: str, found: list[ImportedProfile], taken: set[str],
                notes: list[str] | None = None) -> ImportPlan:
    """Give each found profile a name not in `taken` (nor used earlier in the plan)."""
    names = set(taken)
    planned: list[PlannedProfile] = []
    for item in found:
        name = unique_name(item.profile.name, names)
        names.add(name)
        planned.append(PlannedProfile(item, name))
    return ImportPlan(source, tuple(planned), tuple(notes or ()))


def carry_out(plan: ImportPlan, store: ProfileStore, keyring: KeyringStore,
              password_source: str = "keyring") -> list[str]:
    """Save each password to the keyring, then every profile in one write; a line per
    profile saying what happened. On a failed write no password is left behind.
    Blocking (keyring calls may take seconds): run it off the UI thread."""
    from tui.secrets import KeyringUnavailable

    profiles: list[Profile] = []
    outcomes: list[str] = []
    for planned in plan.profiles:
        profile = planned.item.profile.with_changes(name=planned.name)
        password = planned.item.password
        if password and password_source == "prompt":
            profile, note = profile.with_changes(password="prompt"), "password not saved: asked on connect"
        elif password:
            try:
                keyring.set(planned.name, password)
                note = "password saved to the OS keyring"
            except KeyringUnavailable as exc:
                # Never written anywhere else: the user is asked on connect.
                profile = profile.with_changes(password="prompt")
                note = f"password NOT saved ({exc.reason}); you will be asked for it"
        else:
            note = "no password in the source"
        profiles.append(profile)
        outcomes.append(f"Imported '{planned.name}' from {planned.item.origin}: {profile.target()} ({note})")
    try:
        store.put_many(profiles)
    except (OSError, ProfileFileError):
        for profile in profiles:
            if profile.password == "keyring":
                try:
                    keyring.delete(profile.name)
                except KeyringUnavailable:
                    pass
        raise
    return outcomes
