"""The Query pane's own session: opened on first use, asked once whether it still
answers after the link came back, dropped when lost (the next use opens a new one).

`ensure` and `drop` block: call them from a worker. The rest never waits."""

from __future__ import annotations

from tui.db.base import Database
from tui.db.link import close_in_background, in_background
from tui.services.query.runner import Session, open_session

OPEN_TRANSACTION = ("in transaction", "in failed transaction")


class SessionKeeper:
    """Holds the editor's session between runs, for the worker and the UI alike."""

    def __init__(self, database: Database, row_cap: int) -> None:
        self.database = database
        self.row_cap = row_cap
        self.session: Session | None = None
        self._check_on_next_use = False  # after a reconnect: does the session still answer?

    def check_on_next_use(self) -> None:
        """The link came back: the session may have died, idle, with it."""
        self._check_on_next_use = True

    def ensure(self) -> tuple[Session, bool]:
        """The session, opened if there is none (blocking). The flag is True when the
        one it replaces died with a transaction open: the server rolled that back."""
        lost_transaction = False
        session = self.session
        if session is not None and self._check_on_next_use:
            self._check_on_next_use = False
            state = session.transaction_status()
            if not session.answers():
                self.drop(session)
                lost_transaction = state in OPEN_TRANSACTION
        if self.session is None:
            self.session = open_session(self.database, self.row_cap)
        return self.session, lost_transaction

    def drop(self, session: Session) -> None:
        """Forget a session whose connection was lost and close it (blocking: it waits
        for a statement still unwinding); the next use opens a new one."""
        if self.session is session:
            self.session = None
        session.close()

    def transaction_status(self) -> str:
        """The session's transaction state, or "" before the first run."""
        session = self.session
        return session.transaction_status() if session is not None else ""

    def cancel(self) -> None:
        """Cancel what runs on the session, from a thread of its own."""
        session = self.session
        if session is not None:
            in_background(session.cancel, "bastion-query-cancel")

    def close(self) -> None:
        """Forget the session and let go of it without waiting (what runs is cancelled,
        then it is closed): after a run failed, or when the pane goes."""
        session, self.session = self.session, None
        close_in_background(session, "bastion-query-close")
