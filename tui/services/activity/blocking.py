"""Who blocks whom, from pg_blocking_pids(): right for lock-queue blockers and
advisory locks, where a pg_locks self-join is not."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tui.services.activity.sessions import Session

# pg_blocking_pids() reports a prepared transaction as pid 0.
PREPARED_XACT_PID = 0


@dataclass
class BlockNode:
    """A session in the tree, with the sessions waiting on it below."""

    pid: int
    session: Session | None  # None for a prepared transaction or a pid gone since
    waiters: list[BlockNode] = field(default_factory=list)
    cycle: bool = False  # reached again below itself (a deadlock about to be broken)

    def walk(self, depth: int = 0) -> Iterable[tuple[int, BlockNode]]:
        yield depth, self
        for child in self.waiters:
            yield from child.walk(depth + 1)


def blocking_edges(sessions: Iterable[Session]) -> dict[int, set[int]]:
    """blocker pid -> pids waiting on it. Parallel workers count as their leader."""
    sessions = list(sessions)
    leader = {s.pid: s.leader_pid for s in sessions if s.leader_pid and s.leader_pid != s.pid}
    edges: dict[int, set[int]] = {}
    for s in [s for s in sessions if s.blocked_by]:  # waiters only: a few of 2,000
        waiter = leader.get(s.pid, s.pid)
        for blocker in s.blocked_by:
            blocker = leader.get(blocker, blocker)
            if blocker != waiter:
                edges.setdefault(blocker, set()).add(waiter)
    return edges


def root_blockers(sessions: Iterable[Session]) -> list[int]:
    """Pids that block others and wait for nobody (often idle in transaction)."""
    sessions = list(sessions)
    edges = blocking_edges(sessions)
    waiting = {w for ws in edges.values() for w in ws}
    roots = [pid for pid in edges if pid not in waiting]
    if not roots and edges:
        roots = [min(edges)]  # a pure cycle: show it from somewhere
    return sorted(roots)


def blocking_tree(sessions: Iterable[Session]) -> list[BlockNode]:
    """Root blockers with their waiters nested below. A session waiting on two
    blockers appears under each of them."""
    sessions = list(sessions)
    by_pid = {s.pid: s for s in sessions}
    edges = blocking_edges(sessions)
    roots = root_blockers(sessions)
    # Waiters of a cycle that no root reaches get a root of their own.
    reached: set[int] = set()

    def build(pid: int, path: tuple[int, ...]) -> BlockNode:
        reached.add(pid)
        node = BlockNode(pid=pid, session=by_pid.get(pid))
        if pid in path:
            node.cycle = True
            return node
        for waiter in sorted(edges.get(pid, ()), key=lambda p: _wait_order(by_pid.get(p))):
            node.waiters.append(build(waiter, (*path, pid)))
        return node

    tree = [build(pid, ()) for pid in roots]
    for pid in sorted(edges):
        if pid not in reached:
            tree.append(build(pid, ()))
    return tree


def _wait_order(session: Session | None) -> tuple[float, int]:
    # Longest waiter first.
    if session is None:
        return (0.0, 0)
    return (-(session.wait_age or 0.0), session.pid)
