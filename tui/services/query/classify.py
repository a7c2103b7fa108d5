"""What a statement does, judged from its tokens: for confirmations and streaming."""

from __future__ import annotations

from tui.services.query.splitter import CLOSE_PAREN, OPEN_PAREN, Statement

WRITE_KEYWORDS = {
    "INSERT", "UPDATE", "DELETE_P", "MERGE", "TRUNCATE", "CREATE", "ALTER", "DROP", "GRANT",
    "REVOKE", "COMMENT", "REINDEX", "CLUSTER", "VACUUM", "REFRESH", "IMPORT_P", "SECURITY",
    "RENAME", "REPLACE", "UPSERT", "DO", "CALL",
}
STREAMABLE_FIRST = {"SELECT", "VALUES", "TABLE", "WITH"}


def top_level_keywords(statement: Statement) -> list[str]:
    """Keyword names outside parentheses (so a subquery's WHERE does not count)."""
    depth, names = 0, []
    for name in statement.keywords:
        if name == OPEN_PAREN:
            depth += 1
        elif name == CLOSE_PAREN:
            depth = max(0, depth - 1)
        elif depth == 0:
            names.append(name)
    return names


def first_keyword(statement: Statement) -> str:
    names = statement.keywords
    return names[0] if names else ""


def is_write(statement: Statement) -> bool:
    """DML, DDL, TRUNCATE and friends (also inside WITH … INSERT/UPDATE/DELETE)."""
    keywords = set(statement.keywords)
    if first_keyword(statement) == "COPY":
        return "FROM" in top_level_keywords(statement)
    if first_keyword(statement) in ("EXPLAIN",) and "ANALYZE" not in keywords:
        return False
    if first_keyword(statement) == "SELECT" and "INTO" in top_level_keywords(statement):
        return True  # SELECT … INTO creates a table
    return bool(keywords & WRITE_KEYWORDS)


def unbounded_update_or_delete(statement: Statement) -> bool:
    """An UPDATE or DELETE with no WHERE at its own level: touches every row."""
    names = top_level_keywords(statement)
    if first_keyword(statement) == "WITH":
        return False  # the CTE's own statements are checked by the server's planner, not here
    return bool(names) and names[0] in ("UPDATE", "DELETE_P") and "WHERE" not in names


def can_stream(statement: Statement) -> bool:
    """Whether a server-side cursor (DECLARE) accepts the statement."""
    first = first_keyword(statement)
    if first not in STREAMABLE_FIRST:
        return False
    return not (set(statement.keywords) & {"INSERT", "UPDATE", "DELETE_P", "MERGE", "INTO"})


def transaction_control(statement: Statement) -> str | None:
    """'begin', 'commit' or 'rollback' for transaction statements, else None."""
    first = first_keyword(statement)
    if first in ("BEGIN_P", "START"):
        return "begin"
    if first in ("COMMIT", "END_P"):
        return "commit"
    if first in ("ROLLBACK", "ABORT_P"):
        return None if "TO" in statement.keywords else "rollback"
    return None
