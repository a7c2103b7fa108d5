"""The key of a DataTable's highlighted row, for tables keyed by name."""

from __future__ import annotations

from textual.widgets import DataTable


def highlighted_key(table: DataTable) -> str | None:
    """The highlighted row's key as text, or None (no rows, or a table being refilled)."""
    if table.row_count == 0:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except Exception:  # noqa: BLE001 - an empty or refreshing table has no cursor
        return None
    return str(key.value) if key.value is not None else None
