"""The Query pane's transactions: manual-commit mode, what the open transaction
holds, and the profile's settings a pooler kept from the server.

- Manual-commit mode: the first statement on an idle session opens a transaction
  (BEGIN, with the per-transaction settings); nothing is committed until the
  user commits, and a typed COMMIT asks like the commit key does.
- A statement the server refuses inside a transaction (VACUUM, CREATE INDEX
  CONCURRENTLY …) on a transaction we opened just for it: ours is rolled back
  (nothing else was in it) and the statement runs as it is; the server decides.

Blocking: `run_in_mode` is called from a worker thread; the rest never waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from tui.db.base import Database
from tui.formatting import plural
from tui.services.query.classify import transaction_control
from tui.services.query.guard import (
    COMMIT_OR_ROLL_BACK,
    LARGE_CHANGE,
    Guard,
    Question,
    changed_rows,
    declined,
    preview,
    run_guarded,
    tag_text,
)
from tui.services.query.results import ResultSet
from tui.services.query.runner import NOT_IN_TRANSACTION, Outcome, Session
from tui.services.query.splitter import Statement

OPEN = ("in transaction", "in failed transaction")
clock: Callable[[], datetime] = datetime.now  # tests freeze it


def local_settings(database: Database) -> tuple[tuple[str, str], ...]:
    """The profile's statement_timeout / search_path that did not reach the server
    (a pooler refused or dropped the startup options): set per transaction instead."""
    info = database.info
    if info.kind != "postgresql" or not info.pooler:
        return ()
    profile = database.profile
    wanted = (("statement_timeout", profile.statement_timeout), ("search_path", profile.search_path))
    return tuple((name, str(value)) for name, value in wanted if value)


@dataclass
class TransactionState:
    """What the session's open transaction holds, as the pane and the header show it."""

    manual: bool = False
    status: str = ""  # "", idle, in transaction, in failed transaction, connection lost
    since: datetime | None = None
    statements: int = 0
    changed: int = 0  # rows the writes' command tags report
    writes: list[str] = field(default_factory=list)  # "UPDATE 3" tags, in order
    shown: str = ""  # the statement the commit question shows: the last write, else the last one run

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def failed(self) -> bool:
        return self.status == "in failed transaction"

    def observe(self, outcome: Outcome | None, status: str) -> None:
        """The session's status after a statement (`outcome`, None: after a commit or
        a rollback): a transaction that opened starts counting, one that ended resets."""
        was_open = self.open
        self.status = status
        if not self.open:
            self.since, self.statements, self.changed, self.writes, self.shown = None, 0, 0, [], ""
            return
        if not was_open or self.since is None:
            self.since = clock()
        if outcome is None or outcome.declined or transaction_control(outcome.statement) == "begin":
            return
        self.statements += 1
        rows = changed_rows(outcome.tag)
        if rows is not None and not outcome.tag.startswith("SELECT"):
            self.changed += rows
            self.writes.append(outcome.tag)
            self.shown = preview(outcome.statement)
        elif not self.writes:
            self.shown = preview(outcome.statement)

    @property
    def since_text(self) -> str:
        """When the transaction opened, "08:12:03" ("?" if unknown)."""
        return self.since.strftime("%H:%M:%S") if self.since else "?"

    def describe(self) -> str:
        """idle / in transaction since 08:12:03 (3 statements) / failed — roll back."""
        if self.failed:
            return f"transaction failed (open since {self.since_text}) — roll back (f12)"
        if self.open:
            return f"in transaction since {self.since_text} ({plural(self.statements, 'statement')})"
        if self.status == "connection lost":
            return "connection lost"
        return "manual commit · idle" if self.manual else ("idle" if self.status else "")

    def header(self) -> str:
        """The header's short segment: since when, nothing while idle."""
        if self.failed:
            return f"TRANSACTION FAILED since {self.since_text}"
        return f"IN TRANSACTION since {self.since_text} ({self.statements})" if self.open else ""

    def changes(self) -> str:
        """"UPDATE 1,204 rows, DELETE 1 row" (the last five writes), or "no rows changed"."""
        writes = ", ".join(tag_text(tag) for tag in self.writes[-5:])
        more = f" (+{len(self.writes) - 5} more)" if len(self.writes) > 5 else ""
        return f"{writes}{more}" if writes else "no rows changed"

    def commit_summary(self) -> str:
        """What a commit would make permanent, in a line."""
        changes = f": {self.changes()}" if self.writes else ", no rows changed"
        return f"{plural(self.statements, 'statement')} since {self.since_text}{changes}"


def dry_run_text(outcome: Outcome) -> str | None:
    """"UPDATE 1,204 rows — commit / roll back?" for a write left in the open
    transaction, with the statement; None for anything else."""
    rows = changed_rows(outcome.tag)
    if not outcome.ok or rows is None or outcome.tag.startswith("SELECT"):
        return None
    return f"{tag_text(outcome.tag)} — commit (f10) / roll back (f12)?\n{preview(outcome.statement)}"


def commit_question(state: TransactionState, guard: Guard, leaving: str = "", typed_commit: bool = False) -> Question:
    """The commit prompt, first line as issue #14 has it ("UPDATE 1,204 rows — commit /
    roll back?"), then the statement; on production a large change needs the profile's
    name typed. `typed_commit`: the user ran COMMIT (yes sends it, no keeps the transaction)."""
    where = f"PRODUCTION ({guard.profile_name})" if guard.production else guard.profile_name
    leaving_words = f"{leaving}: the transaction is still open. " if leaving else ""
    body = (f"{state.shown}\n\n" if state.shown else "") + (
        f"{leaving_words}On {where}, {plural(state.statements, 'statement')} since {state.since_text}; "
        "nothing is committed yet.")
    if typed_commit:
        body += "\nYes sends your COMMIT; no keeps the transaction open (f12 rolls it back)."
    large = guard.production and state.changed > LARGE_CHANGE
    return Question(f"{state.changes()} — {COMMIT_OR_ROLL_BACK}", body, guard.profile_name if large else None)


def run_in_mode(session: Session, statement: Statement, guard: Guard, manual: bool,
                on_rows: Callable[[ResultSet], None] | None = None,
                confirm_commit: Callable[[], bool] | None = None) -> Outcome:
    """Run one statement under the guard, in manual-commit mode opening the transaction
    first. A typed COMMIT in manual mode is sent only after `confirm_commit` says yes."""
    control = transaction_control(statement)
    status = session.transaction_status()
    if control == "commit" and manual and status in OPEN:
        if confirm_commit is None or not confirm_commit():
            return declined(statement)
        return session.run(statement, on_rows)
    if not manual or control is not None or status != "idle":
        return run_guarded(session, statement, guard, on_rows)
    session.begin()
    outcome = run_guarded(session, statement, guard, on_rows)
    sqlstate = outcome.error.sqlstate if outcome.error else None
    if sqlstate in NOT_IN_TRANSACTION and session.transaction_status() in OPEN:
        session.end_transaction(commit=False)  # ours held nothing else: the server says it runs outside
        return run_guarded(session, statement, guard, on_rows)
    if outcome.declined and session.transaction_status() == "in transaction":
        session.end_transaction(commit=False)  # nothing ran: no empty transaction left open
    return outcome
