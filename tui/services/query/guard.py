"""Safety promises of the query runner, kept off the happy path too.

- On a production profile the server decides what writes: every statement first
  runs in a read-only trial (`session.trial`). A read's trial is its real run;
  a write is refused there by the server before it touches anything, then shown
  and confirmed, run for real and, where it runs in a transaction of ours,
  committed only after its row count was confirmed as well.
- Functions that act without writing (terminate a backend, reload the
  configuration, take an advisory lock, reach another server …) pass a read-only
  trial, so they are recognised by name and confirmed before anything is sent.
- COPY with the client's stdin/stdout asks for a file (`Guard.client_file`) and
  runs with it (tui/services/transfer/editor_copy.py); without a way to ask it is
  refused before it is sent: the session would wait for data that never comes.

Blocking: called from a worker thread; `ask` blocks until the user answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tui.formatting import plural
from tui.services.query.classify import first_keyword, is_write, transaction_control, unbounded_update_or_delete
from tui.services.query.results import ResultSet
from tui.services.query.runner import Outcome, QueryError, Session
from tui.services.query.splitter import COMMENTS, OPEN_PAREN, Statement

LARGE_CHANGE = 1000  # rows: committing more than this needs the profile's name typed
PREVIEW_CHARS = 600

# Function calls that act on the server or elsewhere while a read-only transaction allows them.
ACTING_FUNCTIONS = frozenset({
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_promote", "pg_switch_wal",
    "pg_rotate_logfile", "pg_create_restore_point", "pg_log_backend_memory_contexts", "pg_notify",
    "pg_create_physical_replication_slot", "pg_create_logical_replication_slot", "pg_drop_replication_slot",
    "pg_copy_physical_replication_slot", "pg_copy_logical_replication_slot", "pg_replication_slot_advance",
    "pg_logical_slot_get_changes", "pg_logical_slot_get_binary_changes", "pg_logical_emit_message",
    "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup",
    "lo_import", "lo_export", "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync",
})
ACTING_PREFIXES = ("dblink", "pg_advisory_", "pg_try_advisory_", "pg_stat_reset", "pg_replication_origin_",
                   "pg_wal_replay_")
# Statements that never write data and must run as typed: a trial would wrap them.
UNTRIED_FIRST = {"SET", "RESET", "SHOW", "SAVEPOINT", "RELEASE", "ROLLBACK", "PREPARE"}


@dataclass(frozen=True)
class Question:
    """A yes/no question for the user; with `require_text`, that word must be typed."""

    title: str
    body: str
    require_text: str | None = None


@dataclass(frozen=True)
class Guard:
    """The profile's rules for one run, and how to ask the user (blocking)."""

    production: bool
    profile_name: str
    ask: Callable[[Question], bool]
    # The profile asked for read-only and the server does not enforce it (a pooler
    # dropped the startup options): every statement is tried read-only first and
    # a write is refused, never run.
    read_only_unenforced: bool = False
    # The profile is read-only (enforced by the server): statements are tried read-only
    # too, because a user's BEGIN READ WRITE or SET would lift the startup option.
    read_only: bool = False

    @property
    def refuses_writes(self) -> bool:
        return self.read_only or self.read_only_unenforced
    # COPY … FROM STDIN / TO STDOUT: asks for the file ("from" or "to"; None: the user
    # cancelled); blocking like `ask`. Without it such a COPY is refused.
    client_file: Callable[[str], Path | None] | None = None


READ_ONLY_REFUSAL = ("This profile is read-only and the server does not enforce it here (a pooler dropped "
                     "the startup options), so bastion refuses writes itself: not run.")
READ_ONLY_TRIAL_REFUSAL = "This profile is read-only: the server refused the write in a read-only transaction."
# Code the server runs that bastion cannot look into: acting calls may hide inside.
SERVER_CODE = {"DO": "a DO block (code bastion cannot look into)", "CALL": "a procedure (CALL)"}
# Keywords that make a COPY (…) TO STDOUT's query a write.
DML_KEYWORDS = frozenset({"INSERT", "UPDATE", "DELETE_P", "MERGE"})


def acting_functions(statement: Statement) -> list[str]:
    """Names of acting functions called anywhere in the statement (schema-qualified
    or quoted too), in order, each once."""
    tokens = [t for t in statement.tokens if t.name not in COMMENTS]
    found: list[str] = []
    for token, following in zip(tokens, tokens[1:], strict=False):
        if following.name != OPEN_PAREN or token.name != "IDENT":
            continue
        name = statement.text[token.start - statement.start:token.end - statement.start].strip('"').lower()
        if (name in ACTING_FUNCTIONS or name.startswith(ACTING_PREFIXES)) and name not in found:
            found.append(name)
    first = first_keyword(statement)
    return [SERVER_CODE[first], *found] if first in SERVER_CODE else found


def client_stream_refusal(statement: Statement) -> str | None:
    """Why a COPY that talks to the client cannot be sent, or None."""
    if first_keyword(statement) != "COPY":
        return None
    keywords = set(statement.keywords)
    if "STDIN" in keywords:
        return ("COPY … FROM STDIN is not supported here (no import yet): the session would wait for data "
                "that never comes. Use psql's \\copy, or COPY … FROM a file on the server.")
    if "STDOUT" in keywords:
        return "COPY … TO STDOUT is not supported here: run the SELECT and export it with f8."
    return None


def run_client_copy(session: Session, statement: Statement, guard: Guard) -> Outcome:
    """COPY with the client's stdin/stdout: a write confirmed as one, then a file asked for."""
    from tui.services.transfer.editor_copy import copy_direction, run_copy_with_file

    direction = copy_direction(statement) or "to"
    # COPY (DELETE … RETURNING *) TO STDOUT writes as well as it reads.
    writes = direction == "from" or bool(set(statement.keywords) & DML_KEYWORDS)
    if writes:
        if guard.refuses_writes:
            return declined(statement, READ_ONLY_REFUSAL if guard.read_only_unenforced else READ_ONLY_TRIAL_REFUSAL)
        what = "adds rows" if direction == "from" else "changes rows"
        if guard.production and not guard.ask(Question(
                "Write to production?", f"COPY … {what}, on PRODUCTION ({guard.profile_name}):\n\n"
                f"{preview(statement)}", guard.profile_name)):
            return declined(statement)
    assert guard.client_file is not None
    path = guard.client_file(direction)
    if path is None:
        return declined(statement)
    return run_copy_with_file(session, statement, direction, path)


def needs_typed_name(statement: Statement) -> bool:
    """Writes whose reach the classifier cannot bound, or that hit every row."""
    first = first_keyword(statement)
    return (unbounded_update_or_delete(statement)
            or first in ("TRUNCATE", "DROP", "EXECUTE", "CALL", "DO", "WITH")
            or (first == "EXPLAIN" and "ANALYZE" in statement.keywords)
            or not is_write(statement))  # the server found a write the classifier did not see


def preview(statement: Statement) -> str:
    text = statement.text
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + " …"


def changed_rows(tag: str) -> int | None:
    """Rows a DML command tag reports (INSERT 0 5, UPDATE 3, MERGE 2 …), else None."""
    match = re.fullmatch(r"(INSERT \d+|UPDATE|DELETE|MERGE|SELECT|COPY) (\d+)", tag)
    return int(match.group(2)) if match else None


def tag_text(tag: str) -> str:
    """"UPDATE 1,204 rows" from the command tag "UPDATE 1204"; other tags as they are."""
    rows = changed_rows(tag)
    return f"{tag.split()[0]} {plural(rows, 'row')}" if rows is not None else tag


COMMIT_OR_ROLL_BACK = "commit / roll back?"  # issue #14: "UPDATE 1,204 rows — commit / roll back?"


def declined(statement: Statement, error: str | None = None) -> Outcome:
    """A statement that was not sent: the user said no, or it was refused before sending."""
    return Outcome(statement, tag="not run", declined=True, error=QueryError(error) if error else None)


def run_guarded(session: Session, statement: Statement, guard: Guard,
                on_rows: Callable[[ResultSet], None] | None = None) -> Outcome:
    """Run one statement under the profile's guards (see the module docstring)."""
    acting = acting_functions(statement)  # first: a COPY's query may call them too
    if not (guard.production or guard.refuses_writes):  # a DO block on a dev database is routine
        acting = [name for name in acting if name not in SERVER_CODE.values()]
    if acting and not guard.ask(acting_question(statement, acting, guard)):
        return declined(statement)
    refusal = client_stream_refusal(statement)
    if refusal:
        if guard.client_file is None or not hasattr(session, "conn") or not hasattr(session.conn, "pgconn"):
            return declined(statement, refusal)
        return run_client_copy(session, statement, guard)
    tried = guard.production or guard.refuses_writes
    if not tried or transaction_control(statement) or first_keyword(statement) in UNTRIED_FIRST:
        return session.run(statement, on_rows)
    trial = session.trial(statement, on_rows)
    if not trial.write_refused:
        return trial  # a read: the trial was its real run, nothing runs twice
    if guard.read_only_unenforced:
        return declined(statement, READ_ONLY_REFUSAL)
    if guard.read_only:
        return declined(statement, READ_ONLY_TRIAL_REFUSAL)
    if not guard.ask(write_question(statement, guard)):
        return declined(statement)
    if trial.outside_transaction or session.transaction_status() != "idle":
        # Cannot run in a transaction block, or the user's own transaction: they commit.
        return session.run(statement, on_rows)
    return run_then_confirm_commit(session, statement, guard, on_rows)


def run_then_confirm_commit(session: Session, statement: Statement, guard: Guard,
                            on_rows: Callable[[ResultSet], None] | None) -> Outcome:
    """Run a confirmed write in a transaction of ours; commit only on a second yes."""
    session.begin()
    outcome = session.run(statement, on_rows)
    if session.transaction_status() == "connection lost":
        return outcome  # the server rolled it back
    if not outcome.ok:
        session.end_transaction(commit=False)
        return outcome
    commit = guard.ask(commit_question(statement, outcome, guard))
    outcome.error = session.end_transaction(commit=commit)
    if not commit:
        outcome.tag = f"{outcome.tag} (rolled back)".strip()
        outcome.rolled_back = True
    return outcome


def acting_question(statement: Statement, names: list[str], guard: Guard) -> Question:
    where = f"PRODUCTION ({guard.profile_name})" if guard.production else guard.profile_name
    body = (f"This statement calls {', '.join(names)}, which acts on the server (or elsewhere) "
            f"even in a read-only transaction, on {where}:\n\n{preview(statement)}")
    return Question("Run a server action?", body, guard.profile_name if guard.production else None)


def write_question(statement: Statement, guard: Guard) -> Question:
    body = f"The server says this statement writes, on PRODUCTION ({guard.profile_name}):\n\n{preview(statement)}"
    typed = needs_typed_name(statement)
    if unbounded_update_or_delete(statement):
        body += "\n\nAn UPDATE or DELETE without WHERE changes every row."
    elif typed:
        body += "\n\nWhat it changes cannot be judged from its text."
    return Question("Write to production?", body, guard.profile_name if typed else None)


def commit_question(statement: Statement, outcome: Outcome, guard: Guard) -> Question:
    """A confirmed write ran in a transaction of ours: "UPDATE 1,204 rows — commit /
    roll back?", the statement under it; yes commits, no rolls back."""
    rows = changed_rows(outcome.tag)
    body = (f"{preview(statement)}\n\nNot committed yet, on PRODUCTION ({guard.profile_name}): "
            "yes commits, no (n, esc) rolls it back.")
    large = rows is not None and rows > LARGE_CHANGE
    return Question(f"{tag_text(outcome.tag or 'OK')} — {COMMIT_OR_ROLL_BACK}", body,
                    guard.profile_name if large else None)
