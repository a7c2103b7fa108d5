"""The pane's header: the server's pulse in three lines, with sparklines."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text
from textual.widget import Widget

from tui.formatting import duration, rate, size_text
from tui.services.activity.pulse import Pulse, PulseReading, sparkline
from tui.services.activity.sessions import ACTIVE, IDLE, IDLE_IN_TX, IDLE_IN_TX_ABORTED


def replication_text(p: PulseReading) -> str:
    if p.in_recovery and p.receiver == "down":
        return "standby, WAL receiver down: lag unknown"
    if p.in_recovery and p.receiver == "hidden":
        return "standby, receiver running (details need pg_read_all_stats): lag unknown"
    if p.in_recovery:
        return f"standby, replay lag {duration(p.replay_lag_s) or '?'}"
    if not p.replicas:
        return "primary, no standbys"
    lags = ", ".join(f"{r.name or r.client_addr or '?'} {duration(r.replay_lag_s) or '0s'}" for r in p.replicas[:3])
    return f"primary → {lags}"


def pulse_text(pulse: Pulse, width: int) -> Text:
    """Three lines, each cut to the width (a wrapped header would push the table
    down and redraw it): sessions by state, rates, sparklines."""
    p = pulse.last
    states = p.states
    first = Text()
    first.append(f"sessions {p.total_sessions}/{p.max_connections or '?'}", style="bold")
    first.append(f"  active {states[ACTIVE]}  idle {states[IDLE]}  idle in tx {states[IDLE_IN_TX]}"
                 f"  aborted {states[IDLE_IN_TX_ABORTED]}  ")
    first.append(f"waiting {states['waiting']}", style="bold red" if states["waiting"] else "")
    if p.longest_xact_s is not None:
        first.append(f"  longest xact {duration(p.longest_xact_s)} (pid {p.longest_xact_pid})")
    second = Text()
    second.append(f"tps {rate(p.tps)}", style="bold")
    if p.own_tps is not None:
        second.append(f" (+{rate(p.own_tps)} bastion)", style="dim")
    cache = "–" if p.cache_hit is None else f"{p.cache_hit:.1f}%"
    r = p.rates
    second.append(f"  cache {cache}  deadlocks {'–' if p.deadlocks is None else p.deadlocks}"
                  f"  temp {size_text(p.temp_bytes) or '–'}  {replication_text(p)}"
                  f"  ins {rate(r.get('tup_inserted'))} upd {rate(r.get('tup_updated'))}"
                  f" del {rate(r.get('tup_deleted'))} ret {rate(r.get('tup_returned'))}/s")
    third = Text()
    spark = max(6, (width - 24) // 3)
    for label, values in (("tps", pulse.tps_history), ("active", pulse.active_history),
                          ("cache", pulse.cache_history)):
        third.append(f"{label} ", style="dim")
        third.append(sparkline(values, spark).ljust(spark), style="cyan")
        third.append(" ")
    for line in (first, second, third):
        line.truncate(max(1, width), overflow="ellipsis")
    return Text("\n").join([first, second, third])


class PulseHeader(Widget):
    """Sessions by state, rates and sparklines; redrawn once per tick (and on resize)."""

    DEFAULT_CSS = """
    PulseHeader { height: 3; padding: 0 1; background: $boost; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pulse: Pulse | None = None

    def show(self, pulse: Pulse) -> None:
        self.pulse = pulse
        self.refresh()

    def render(self) -> RenderableType:
        if self.pulse is None:
            return Text("connecting…", style="dim")
        return pulse_text(self.pulse, self.content_size.width or 78)
