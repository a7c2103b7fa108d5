"""Data in and out: pg_dump / pg_restore through the profile, SQLite backups, CSV import.

No Textual here: the CLI (tui/commands/transfer.py) and the workspace's dialogs
(tui/widgets/transfer/) call these blocking functions, the dialogs from workers.
"""

from __future__ import annotations

from dataclasses import dataclass


class TransferError(Exception):
    """A dump, restore or import that cannot start or did not finish, said for a person
    (what happened, and what to do when there is something to do)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message + (f"\n{hint}" if hint else ""))
        self.message = message
        self.hint = hint


class TransferCancelled(TransferError):
    """The user cancelled: nothing was left behind (partial file removed, import rolled back)."""

    def __init__(self, what: str = "Cancelled") -> None:
        super().__init__(what)


@dataclass(frozen=True)
class TransferProgress:
    """How far a job is: tables (or rows) done of a total when known, and bytes."""

    phase: str  # what it does now, in a few words: "dumping public.orders"
    done: int = 0  # tables done (dump/restore) or rows sent (import)
    total: int | None = None  # of that many, when known
    bytes_done: int = 0  # written (dump), read (restore, import)
    bytes_total: int | None = None  # the input file's size (restore, import)
    unit: str = "tables"

    @property
    def fraction(self) -> float | None:
        """0..1 for a progress bar, None when there is no total to measure against."""
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.total:
            return min(1.0, self.done / self.total)
        return None
