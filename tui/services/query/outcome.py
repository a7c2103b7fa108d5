"""What running one statement returns: how it ended, and the server's error."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.services.query.results import ResultSet
from tui.services.query.splitter import Statement


@dataclass
class QueryError:
    """What the server said, with the position as an offset in the buffer."""

    message: str
    sqlstate: str | None = None
    detail: str | None = None
    hint: str | None = None
    context: str | None = None
    position: int | None = None  # char offset in the editor buffer


@dataclass
class Outcome:
    """How one statement ended."""

    statement: Statement
    result: ResultSet | None = None
    tag: str = ""
    rowcount: int = -1
    elapsed: float = 0.0
    error: QueryError | None = None
    cancelled: bool = False
    connection_lost: bool = False  # the statement died with its connection: any rows are incomplete
    notices: list[str] = field(default_factory=list)
    declined: bool = False  # never sent: the user said no, or it was refused before sending
    write_refused: bool = False  # a read-only trial: the server refused a write, nothing was touched
    outside_transaction: bool = False  # … because it cannot run in a transaction block (VACUUM …)
    rolled_back: bool = False  # ran in a transaction of ours, rolled back instead of committed

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled and not self.declined
