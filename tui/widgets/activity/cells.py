"""How the activity pane writes durations, sizes and session cells."""

from __future__ import annotations

from rich.text import Text

from tui.formatting import clip, duration
from tui.services.activity.sessions import ACTIVE, IDLE_IN_TX, IDLE_IN_TX_ABORTED, Session

# (key, label, width); the query takes what is left.
# The query comes early so that 80 columns show some of it; the rest scrolls.
SESSION_COLUMNS: list[tuple[str, str, int]] = [
    ("mark", " ", 1), ("pid", "pid", 7), ("state", "state", 10), ("duration", "running", 7),
    ("wait", "wait", 14), ("user", "user", 10), ("query", "query", 60), ("xact_age", "xact", 6),
    ("query_age", "q.age", 6), ("database", "db", 10), ("application", "application", 14),
    ("client", "client", 12), ("backend_type", "type", 8),
]
QUERY_WIDTH = 60
STATE_LABELS = {IDLE_IN_TX: "idle in tx", IDLE_IN_TX_ABORTED: "tx aborted"}


class Thresholds:
    """When a row is highlighted (configurable per pane)."""

    def __init__(self, long_query: float = 60.0, idle_in_tx: float = 30.0) -> None:
        self.long_query = long_query
        self.idle_in_tx = idle_in_tx


def session_cells(s: Session, marked: bool, root: bool, limits: Thresholds) -> dict[str, Text | str]:
    """One row of the sessions table, styled by what needs attention."""
    return {**fixed_cells(s, marked, root), **timed_cells(timed_values(s, limits))}


def fixed_key(s: Session, marked: bool, root: bool) -> tuple[object, ...]:
    """What fixed_cells() depends on: equal keys give equal cells."""
    return (marked, root, s.pid, s.usename, s.datname, s.application_name, s.client_addr,
            s.backend_type, s.query)


def plain(text: str, style: str = "") -> Text:
    """A cell as DataTable would make it of a str, without reading it as markup:
    a query's `arr[i]` stays as it is, and 2,000 rows are not parsed for tags."""
    return Text(text, style=style, no_wrap=True, end="")


def fixed_cells(s: Session, marked: bool, root: bool) -> dict[str, Text | str]:
    """The cells that do not move with the clock."""
    client = s.client_addr or ("local" if s.is_client else "")
    kind = (s.backend_type or "?").replace("client backend", "client").replace("autovacuum ", "av ")
    return {
        "mark": plain("●" if marked else " "),
        "pid": Text(str(s.pid), style="bold reverse red" if root else ""),
        "user": plain(clip(s.usename, 10)),
        "database": plain(clip(s.datname, 10)),
        "application": plain(clip(s.application_name, 14)),
        "client": plain(clip(client, 12)),
        "backend_type": plain(clip(kind, 8)),
        "query": plain(clip(s.query_line, QUERY_WIDTH)),
    }


def timed_values(s: Session, limits: Thresholds) -> tuple[str, ...]:
    """Plain strings behind timed_cells(), cheap to compare from one tick to the next:
    (row style, state, running, wait, wait style, xact age, query age)."""
    style = ""
    if s.is_lock_waiting:
        style = "bold red"
    elif s.state == ACTIVE and (s.query_age or 0) >= limits.long_query:
        style = "bold yellow"
    elif s.state in (IDLE_IN_TX, IDLE_IN_TX_ABORTED) and (s.xact_age or 0) >= limits.idle_in_tx:
        style = "magenta"
    wait = f"{s.wait_event_type}:{s.wait_event}" if s.wait_event_type else ""
    if s.is_lock_waiting and s.wait_age is not None:
        wait = f"{duration(s.wait_age)} {s.wait_event}"
    state = clip(STATE_LABELS.get(s.state or "", s.state or "?"), 10)
    return (style, state, duration(s.duration), clip(wait, 14), "red" if s.is_lock_waiting else "",
            duration(s.xact_age), duration(s.query_age))


def timed_cells(values: tuple[str, ...], before: tuple[str, ...] | None = None) -> dict[str, Text | str]:
    """The cells that move with the clock (and the state, which decides their style);
    given the values `before`, only the cells that differ from them."""
    style, state, running, wait, wait_style, xact_age, query_age = values
    was = before or ("\0",) * len(values)  # matches nothing: every cell
    cells: dict[str, Text | str] = {}
    if (style, state) != (was[0], was[1]):
        cells["state"] = Text(state, style=style)
    if (style, running) != (was[0], was[2]):
        cells["duration"] = Text(running, style=style)
    if (wait, wait_style) != (was[3], was[4]):
        cells["wait"] = Text(wait, style=wait_style)
    if xact_age != was[5]:
        cells["xact_age"] = plain(xact_age)
    if query_age != was[6]:
        cells["query_age"] = plain(query_age)
    return cells
