"""Plain words for the errors a standby gives, which psql leaves cryptic."""

from __future__ import annotations

READ_ONLY_SQL_TRANSACTION = "25006"
SERIALIZATION_FAILURE = "40001"  # also "canceling statement due to conflict with recovery"


def standby_hint(sqlstate: str | None, message: str, in_recovery: bool) -> str | None:
    """Why this failed because the server is a standby, or None."""
    if not in_recovery:
        return None
    if sqlstate == READ_ONLY_SQL_TRANSACTION:
        # Also what a write meets while the standby is being promoted, and in a
        # transaction begun before the promotion (it stays read-only to its end).
        return ("Not written: this server is a standby (in recovery) and takes no writes. Run them on the "
                "primary. If it is being promoted, ROLLBACK and run them again once it is a primary.")
    if sqlstate == SERIALIZATION_FAILURE and "conflict with recovery" in message:
        return ("Cancelled: this server is a standby and stopped the query to go on replaying the primary's changes. "
                "Run long queries on the primary, or ask for hot_standby_feedback / a longer "
                "max_standby_streaming_delay.")
    return None
