"""What the activity pane shows, with no Textual in sight: sessions, the blocking
tree, the server's pulse, filters, cancel/terminate and the sub-views."""

from tui.services.activity.actions import ActionResult, refusal, signal_backend
from tui.services.activity.blocking import BlockNode, blocking_tree, root_blockers
from tui.services.activity.features import Features
from tui.services.activity.filters import SessionFilter, sort_sessions
from tui.services.activity.monitor import ActivityMonitor, Tick
from tui.services.activity.pulse import Pulse, PulseReading
from tui.services.activity.sessions import Session, SessionSnapshot, fetch_sessions

__all__ = [
    "ActionResult", "ActivityMonitor", "BlockNode", "Features", "Pulse", "PulseReading", "Session",
    "SessionFilter", "SessionSnapshot", "Tick", "blocking_tree", "fetch_sessions", "refusal",
    "root_blockers", "signal_backend", "sort_sessions",
]
