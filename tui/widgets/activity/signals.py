"""Cancel and terminate before they are sent: which of the chosen sessions may be
signalled from here, and the confirmation that names each of them."""

from __future__ import annotations

from dataclasses import dataclass

from tui.formatting import clip
from tui.services.activity import refusal
from tui.services.activity.sessions import Session
from tui.widgets.dialogs.confirm import ConfirmScreen


@dataclass(frozen=True)
class SignalRequest:
    """A cancel or terminate of some sessions, the refused ones taken out (with why)."""

    action: str
    targets: list[Session]
    refused: list[str]

    @classmethod
    def of(cls, action: str, chosen: list[Session], own_pids: frozenset[int]) -> SignalRequest:
        """Never bastion's own connections nor a non-client backend."""
        refused = [(s, why) for s in chosen if (why := refusal(s, own_pids))]
        taken_out = {s for s, _ in refused}
        return cls(action, [s for s in chosen if s not in taken_out], [why for _, why in refused])

    def confirmation(self, *, root: bool, production: bool) -> ConfirmScreen:
        """The dialog that asks first; on a production profile it wants the pids typed."""
        verb = "Cancel the query of" if self.action == "cancel" else "Terminate"
        lines = [f"pid {s.pid} · {s.usename or '?'} · {s.application_name or '-'} · {s.state or '?'}\n"
                 f"  {clip(s.query_line, 200)}" for s in self.targets]
        count = len(self.targets)
        title = f"{verb} {count} session{'s' if count > 1 else ''}{' (root blocker)' if root else ''}?"
        required = " ".join(str(s.pid) for s in self.targets) if production else None
        return ConfirmScreen(title, "\n".join(lines), require_text=required)
