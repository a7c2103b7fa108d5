"""A result set held compactly: one string per row, so a million rows fit in
well under 300 MB, and cells are split out only when they are drawn."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

SEPARATOR = "\x1f"  # ASCII unit separator: never typed, rare in data
NULL = "\x00"  # a cell that is NULL (distinct from the empty string)
DEFAULT_ROW_CAP = 1_000_000
FIRST_BATCH = 200  # rows fetched first: small, so the first rows show at once
BATCH = 5000  # rows fetched at a time after the first batch

# Type OIDs whose values are numbers (drawn right-aligned).
NUMERIC_OIDS = {20, 21, 23, 26, 700, 701, 790, 1700}


@dataclass
class Column:
    """A result column: its name and whether its values are numbers."""

    name: str
    numeric: bool = False
    type_oid: int = 0  # PostgreSQL's type OID (0: unknown), for copying as JSON/INSERT


def encode_row(values: tuple[object, ...] | list[object]) -> str:
    """Values (already text, or None) as one compact string."""
    return SEPARATOR.join(NULL if v is None else str(v).replace(SEPARATOR, " ") for v in values)


def decode_row(row: str) -> list[str | None]:
    return [None if cell == NULL else cell for cell in row.split(SEPARATOR)]


@dataclass
class ResultSet:
    """Rows arrive from a worker thread (append) while the UI reads them."""

    columns: list[Column] = field(default_factory=list)
    rows: list[str] = field(default_factory=list)
    cap: int = DEFAULT_ROW_CAP
    capped: bool = False
    done: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def add_rows(self, encoded: list[str]) -> bool:
        """Append a batch; False once the cap is reached (the caller stops fetching)."""
        with self._lock:
            room = self.cap - len(self.rows)
            if len(encoded) > room:
                self.rows.extend(encoded[:room])
                self.capped = True
                return False
            self.rows.extend(encoded)
            return len(self.rows) < self.cap

    def row(self, index: int) -> list[str | None]:
        return decode_row(self.rows[index])

    def cell(self, index: int, column: int) -> str | None:
        return self.row(index)[column]
