"""A Browse key's edit intent, on the page shown when it was pressed (for the EditSession)."""

from __future__ import annotations

from dataclasses import dataclass

from tui.services.browse import Page, RelationInfo


@dataclass
class EditRequest:
    """A key's intent on the page shown when it was pressed."""

    action: str  # "cell", "insert", "duplicate", "delete", "review", "undo", "discard"
    relation: RelationInfo
    page: Page
    row: int
    column: int

    @property
    def existing(self) -> bool:
        return self.row < len(self.page.rows)

    @property
    def inserted(self) -> int:
        return self.row - len(self.page.rows)


def request_for(action: str, relation: RelationInfo | None, page: Page | None, row: int,
                column: int) -> EditRequest | None:
    """The request for a key on the grid, or None when no page is shown."""
    if relation is None or page is None:
        return None
    return EditRequest(action, relation, page, max(row, 0), max(column, 0))

