"""Staged changes to one relation: edited cells, inserted and duplicated rows, deletions.

Nothing here touches the database: the change set records what the user saw
(for the lost-update check) and what they want; tui.services.browse.edit_sql
turns it into statements and tui.services.browse.edit_apply runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from tui.formatting import plural
from tui.services.browse.editable import EditTarget
from tui.services.browse.keyset import Page


class Default:
    """The column's DEFAULT (distinct from NULL and from '')."""

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT = Default()
# A new value: text the server parses with the column's type, None for NULL, or DEFAULT.
CellValue: TypeAlias = "str | None | Default"


@dataclass(frozen=True)
class InsertedRef:
    """The n-th staged new row (an existing row is named by its key tuple)."""

    index: int


# Which row: a key tuple (a row that exists) or an InsertedRef.
RowRef: TypeAlias = "tuple[Any, ...] | InsertedRef"


def value_text(value: CellValue) -> str | None:
    """What the grid shows for a staged value (None: NULL)."""
    return "DEFAULT" if isinstance(value, Default) else value


@dataclass(frozen=True)
class SeenRow:
    """A row as the page showed it: its key, its cells as text, which cells were cut."""

    key: tuple[Any, ...]
    values: tuple[str | None, ...]
    cut: frozenset[int] = frozenset()


def seen_on_page(page: Page, row: int, key_length: int) -> SeenRow:
    """The page's row `row` as the user saw it (its key without a sort column in front)."""
    cut = frozenset(c for c in range(len(page.columns)) if (row, c) in page.truncated)
    return SeenRow(tuple(page.keys[row][-key_length:]), tuple(page.rows[row]), cut)


@dataclass
class RowEdit:
    """New values for some cells of an existing row."""

    seen: SeenRow
    cells: dict[str, CellValue] = field(default_factory=dict)


@dataclass
class RowInsert:
    """A new row; the columns not in `cells` are left to the server (defaults, identities)."""

    cells: dict[str, CellValue] = field(default_factory=dict)
    duplicated: bool = False


class ChangeSet:
    """Everything staged for one relation, with an undo history (one step per change).

    A step remembers only what its change touches (one row, or the few staged new
    rows), so a change costs the same with 5 or 5,000 rows staged."""

    def __init__(self, target: EditTarget) -> None:
        self.target = target
        self.edits: dict[tuple[Any, ...], RowEdit] = {}
        self.deletes: dict[tuple[Any, ...], SeenRow] = {}
        self.inserts: list[RowInsert] = []
        self.errors: dict[tuple[RowRef, str], str] = {}  # (row, column) -> the server's message
        self._history: list[Callable[[], None]] = []

    # ---- what is staged ------------------------------------------------------------------
    @property
    def empty(self) -> bool:
        return not (self.edits or self.deletes or self.inserts)

    def counts(self) -> tuple[int, int, int]:
        """(edited rows, inserted rows, deleted rows); a deleted row is not also counted as edited."""
        edited = sum(1 for key in self.edits if key not in self.deletes)
        return edited, len(self.inserts), len(self.deletes)

    def summary(self) -> str:
        """"3 changes: 2 edited, 1 deleted"."""
        edited, inserted, deleted = self.counts()
        parts = [f"{n} {word}" for n, word in ((edited, "edited"), (inserted, "inserted"), (deleted, "deleted")) if n]
        return f"{plural(edited + inserted + deleted, 'change')}: {', '.join(parts)}" if parts else "no changes"

    def staged_value(self, ref: RowRef, column: str) -> tuple[bool, CellValue]:
        """(staged?, the staged value) for one cell."""
        if isinstance(ref, InsertedRef):
            cells = self.inserts[ref.index].cells if ref.index < len(self.inserts) else {}
        else:
            edit = self.edits.get(ref)
            cells = edit.cells if edit else {}
        return (column in cells, cells.get(column))

    # ---- changes (each one undoable) -----------------------------------------------------
    def _remember_row(self, key: tuple[Any, ...], column: str | None = None) -> None:
        """An undo step for a change to one existing row (and the error of one of its cells)."""
        edit = self.edits.get(key)
        before = None if edit is None else RowEdit(edit.seen, dict(edit.cells))
        deleted = self.deletes.get(key)
        error_key: tuple[RowRef, str] = (key, column or "")
        error = self.errors.get(error_key)

        def undo() -> None:
            _restore(self.edits, key, before)
            _restore(self.deletes, key, deleted)
            _restore(self.errors, error_key, error)

        self._history.append(undo)

    def _remember_inserts(self) -> None:
        """An undo step for a change to the staged new rows (few: they are typed by hand)."""
        inserts = [RowInsert(dict(row.cells), row.duplicated) for row in self.inserts]
        errors = dict(self.errors)

        def undo() -> None:
            self.inserts, self.errors = inserts, errors

        self._history.append(undo)

    def edit_cell(self, seen: SeenRow, column: str, value: CellValue) -> None:
        """Stage a new value for a cell of an existing row."""
        refusal = self.target.update_refusal(column)
        if refusal:
            raise ValueError(refusal)
        self._remember_row(seen.key, column)
        edit = self.edits.setdefault(seen.key, RowEdit(seen))
        edit.cells[column] = value
        self.errors.pop((seen.key, column), None)

    def edit_inserted(self, index: int, column: str, value: CellValue) -> None:
        """Set a cell of a staged new row."""
        self._remember_inserts()
        self.inserts[index].cells[column] = value
        self.errors.pop((InsertedRef(index), column), None)

    def insert_row(self, cells: dict[str, CellValue] | None = None, duplicated: bool = False) -> int:
        """Stage a new row (empty: every column left to the server); returns its index."""
        refusal = self.target.action_refusal("insert")
        if refusal:
            raise ValueError(refusal)
        self._remember_inserts()
        self.inserts.append(RowInsert(dict(cells or {}), duplicated))
        return len(self.inserts) - 1

    def duplicate_row(self, values: list[str | None]) -> int:
        """Stage a copy of a row (its full values): columns the server fills, and key
        columns with a default (serials, identities), are left to the server."""
        cells: dict[str, CellValue] = {}
        for column, value in zip(self.target.columns, values, strict=True):
            if column.server_filled or not column.can_insert or column.name == "rowid":
                continue
            if column.name in self.target.key and column.has_default:
                continue
            cells[column.name] = value
        return self.insert_row(cells, duplicated=True)

    def toggle_delete(self, seen: SeenRow) -> bool:
        """Mark the row for deletion, or unmark it; True when it is now marked."""
        if seen.key not in self.deletes:
            refusal = self.target.action_refusal("delete")
            if refusal:
                raise ValueError(refusal)
        self._remember_row(seen.key)
        if self.deletes.pop(seen.key, None) is not None:
            return False
        self.deletes[seen.key] = seen
        return True

    def drop_insert(self, index: int) -> None:
        """Take a staged new row out again."""
        self._remember_inserts()
        del self.inserts[index]
        self.errors = {k: v for k, v in self.errors.items() if not isinstance(k[0], InsertedRef)}

    def undo(self) -> bool:
        """Back one change; False when there was none."""
        if not self._history:
            return False
        self._history.pop()()
        return True

    def discard(self) -> None:
        """Forget every staged change (undoable)."""
        if not self.empty:
            staged = (self.edits, self.deletes, self.inserts, self.errors)  # replaced below, not changed

            def undo() -> None:
                self.edits, self.deletes, self.inserts, self.errors = staged

            self._history.append(undo)
        self.edits, self.deletes, self.inserts, self.errors = {}, {}, [], {}

    def applied(self) -> None:
        """After a commit: nothing staged, nothing to undo."""
        self.edits, self.deletes, self.inserts, self.errors = {}, {}, [], {}
        self._history.clear()


def _restore(mapping: dict[Any, Any], key: Any, value: Any) -> None:
    """Put `value` back under `key`, or take the key out when there was none (None)."""
    if value is None:
        mapping.pop(key, None)
    else:
        mapping[key] = value


@dataclass
class Overlay:
    """What the grid draws over a page: staged cells, rows marked for deletion, new rows."""

    cells: dict[tuple[int, int], tuple[str | None, str]] = field(default_factory=dict)  # (row, col) -> (text, error)
    deleted: set[int] = field(default_factory=set)  # page rows
    inserted: list[list[tuple[str | None, bool, str]]] = field(default_factory=list)  # (text, staged?, error)


def page_overlay(changes: ChangeSet, page: Page) -> Overlay:
    """The staged changes that show on this page, and the new rows under it."""
    overlay = Overlay()
    names = page.columns
    key_length = len(changes.target.key)
    for row, keys in enumerate(page.keys):
        key = tuple(keys[-key_length:]) if key_length else None
        if key is None:
            continue
        if key in changes.deletes:
            overlay.deleted.add(row)
        edit = changes.edits.get(key)
        for column, value in (edit.cells.items() if edit else ()):
            overlay.cells[(row, names.index(column))] = (value_text(value), changes.errors.get((key, column), ""))
    for index, new in enumerate(changes.inserts):
        ref = InsertedRef(index)
        overlay.inserted.append([
            (value_text(new.cells[name]), True, changes.errors.get((ref, name), "")) if name in new.cells
            else (None, False, "") for name in names])
    return overlay
