"""The status line's words for how a statement, and a run of several, ended."""

from __future__ import annotations

from tui.formatting import plural
from tui.services.query.runner import Outcome


def outcome_summary(outcome: Outcome, timings: bool = True) -> str:
    """One statement's ending: its tag, rows and time, or why it did not finish."""
    elapsed = f" · {outcome.elapsed:.3f} s" if timings else ""
    if outcome.declined:
        return "refused" if outcome.error else "not run"
    if outcome.cancelled:
        return f"cancelled{elapsed}"
    if outcome.connection_lost:
        rows = len(outcome.result) if outcome.result is not None else 0
        return f"connection lost after {plural(rows, 'row')} (incomplete)" if rows else "connection lost"
    if outcome.error:
        return f"error {outcome.error.sqlstate or ''}".strip()
    rows = len(outcome.result) if outcome.result is not None else outcome.rowcount
    capped = " (row cap reached: first rows kept)" if outcome.result is not None and outcome.result.capped else ""
    tag = outcome.tag or "OK"
    return f"{tag}{capped} · {plural(rows, 'row')}{elapsed}" if outcome.result else f"{tag}{elapsed}"


def run_summary(outcomes: list[Outcome], total: int, timings: bool = True) -> str:
    """The status after a run: the last statement's summary, and where a run of
    several statements stopped early (cancelled, declined, failed)."""
    last = outcomes[-1]
    summary = outcome_summary(last, timings)
    done = len(outcomes)
    if total <= 1 or (done == total and last.ok):
        return summary
    if last.ok:  # cancelled between two statements
        return f"{summary} · stopped after statement {done} of {total}"
    ran = "none ran" if done == 1 else ("statement 1 ran" if done == 2 else f"statements 1-{done - 1} ran")
    return f"{summary} · stopped at statement {done} of {total} ({ran})"
