"""What an import will create, shown before anything is saved: each profile's
final name (made unique against the file), target, where its password goes, and
the hints found on the way."""

from __future__ import annotations

from dataclasses import dataclass

from tui.profiles.imports.urls import ImportedProfile, unique_name


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

    def preview_lines(self) -> list[str]:
        """One line per profile, its hints indented below: for the CLI and the dialog."""
        lines: list[str] = []
        for planned in self.profiles:
            wanted = planned.item.profile.name
            renamed = f" (renamed: '{wanted}' exists)" if planned.name != wanted else ""
            lines.append(f"{planned.name}{renamed}: {planned.item.profile.target()}  [{planned.password_note}]"
                         f"  from {planned.item.origin}")
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
