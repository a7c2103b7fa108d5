"""The Activity pane's decisions without Textual: when the next refresh runs, and
what the keys choose to show."""

from __future__ import annotations

from helpers.activity_fixed import NOW, SESSIONS

from tui.services.activity import Tick
from tui.services.activity.blocking import root_blockers
from tui.services.activity.display import DisplayState
from tui.services.activity.pulse import Pulse
from tui.services.activity.refresh import MAX_BACKOFF, RefreshLoop, step_interval
from tui.services.activity.sessions import SessionSnapshot


def test_one_tick_at_a_time_and_r_follows_the_running_one() -> None:
    loop = RefreshLoop()
    assert loop.start()
    assert not loop.start()  # the running one first
    assert not loop.refresh_now()  # asked while running: no second tick...
    assert loop.succeeded(2.0) == 0.0  # ...the next follows it at once
    assert loop.start()
    assert loop.succeeded(2.0) == 2.0


def test_a_lost_connection_backs_off_until_the_link_is_back() -> None:
    loop = RefreshLoop()
    delays = []
    for _ in range(6):
        loop.start()
        delays.append(loop.failed("server closed the connection", True, 2.0))
    assert delays == [2.0, 4.0, 8.0, 16.0, MAX_BACKOFF, MAX_BACKOFF]
    assert loop.error == f"Connection lost (server closed the connection); reconnecting in {MAX_BACKOFF:g} s…"
    assert loop.restored() and loop.failures == 0
    assert not loop.restored()  # nothing waiting any more


def test_other_failures_retry_after_the_interval() -> None:
    loop = RefreshLoop()
    loop.start()
    assert loop.failed("permission denied", False, 5.0) == 5.0
    assert loop.error == "Refresh failed: permission denied" and loop.failures == 0
    loop.start()
    loop.succeeded(5.0)
    assert loop.error == ""


def test_nothing_starts_once_closed() -> None:
    loop = RefreshLoop()
    loop.closed = True
    assert not loop.start()


def test_interval_steps_stay_within_the_list() -> None:
    assert step_interval(2.0, -1) == 1.0
    assert step_interval(0.5, -1) == 0.5
    assert step_interval(30.0, 1) == 30.0
    assert step_interval(3.0, 1) == 5.0  # an odd interval snaps to its nearest, then steps


def tick() -> Tick:
    pulse = Pulse()
    return Tick(snapshot=SessionSnapshot(SESSIONS, NOW), pulse=pulse.last, roots=root_blockers(SESSIONS),
                seconds=0.003)


def test_the_status_line_says_what_is_shown() -> None:
    state = DisplayState()
    shown = state.visible(tick(), frozenset())
    assert 4112 in {s.pid for s in shown}  # idle, but it blocks: shown
    assert 4140 not in {s.pid for s in shown}  # idle and blocking nobody: hidden
    assert state.status_line(tick(), len(shown), 2.0) == (
        f"[Sessions] · {len(shown)} of {len(SESSIONS)} shown · idle hidden · sort duration ↓ · every 2 s")
    state.view, state.paused = "statements", True
    state.next_statements_order()
    assert state.status_line(tick(), None, None) == "[Statements] · top by mean_ms (o changes) · PAUSED (space resumes)"


def test_signal_targets_root_then_marks_then_cursor() -> None:
    state = DisplayState()
    current = SESSIONS[0]
    assert state.targets(None, None, current) == []
    assert state.targets(tick(), None, current) == [current]
    state.toggle_mark(SESSIONS[2].key_text)
    state.toggle_mark(SESSIONS[1].key_text)
    assert state.targets(tick(), None, current) == [SESSIONS[1], SESSIONS[2]]
    state.view = "tree"
    assert state.targets(tick(), 4101, current) == [SESSIONS[0]]
