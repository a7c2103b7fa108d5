"""`COPY … FROM STDIN` / `COPY … TO STDOUT` typed in the Query editor: the
statement runs as typed (its own FORMAT, HEADER … options) on the editor's
session, with a file the user chose as its stdin or stdout.

FROM STDIN is a write: on production it is confirmed with the profile's name
typed; where read-only is not enforced by the server it is refused. A file
written by TO STDOUT is created 0600 and removed if the COPY fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tui.paths import create_private
from tui.services.query.classify import first_keyword
from tui.services.query.runner import Outcome, QueryError
from tui.services.query.splitter import Statement

CHUNK = 1024 * 1024


def copy_direction(statement: Statement) -> str | None:
    """"from" (COPY … FROM STDIN), "to" (COPY … TO STDOUT), or None for any other statement."""
    if first_keyword(statement) != "COPY":
        return None
    keywords = set(statement.keywords)
    if "STDIN" in keywords:
        return "from"
    if "STDOUT" in keywords:
        return "to"
    return None


def run_copy_with_file(session: Any, statement: Statement, direction: str, path: Path) -> Outcome:
    """Run the COPY with `path` as its data; the Outcome as the editor shows any statement's."""
    outcome = Outcome(statement)
    conn = session.conn
    partial = path.with_name(f".{path.name}.partial")
    try:
        with conn.cursor() as cursor:
            with cursor.copy(statement.text) as copy:
                if direction == "from":
                    with path.open("rb") as source:
                        while chunk := source.read(CHUNK):
                            copy.write(chunk)
                else:
                    with create_private(partial, binary=True) as target:
                        for chunk in copy:
                            target.write(chunk)
            outcome.rowcount = cursor.rowcount
            outcome.tag = f"COPY {cursor.rowcount}" if cursor.rowcount >= 0 else (cursor.statusmessage or "COPY")
        if direction == "to":
            os.replace(partial, path)
        outcome.notices.append(f"{'read from' if direction == 'from' else 'written to'} {path}")
    except OSError as exc:
        partial.unlink(missing_ok=True)
        outcome.error = QueryError(message=f"{path}: {exc.strerror or exc}")
    except Exception as exc:  # psycopg.Error: the server's words, as the editor shows them
        partial.unlink(missing_ok=True)
        diag = getattr(exc, "diag", None)
        outcome.error = QueryError(
            message=(diag.message_primary if diag is not None else None) or str(exc).strip(),
            sqlstate=getattr(diag, "sqlstate", None), detail=getattr(diag, "message_detail", None),
            hint=getattr(diag, "message_hint", None), context=getattr(diag, "context", None))
    return outcome
