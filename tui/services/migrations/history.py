"""Alembic status from revisions and version rows: applied, pending, heads, the graph.

Pending = every revision that is neither current nor an ancestor of current (so a
sibling branch counts), ancestors including `depends_on`. "At head" = nothing
pending and no unknown revision, which stays right with `depends_on`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.services.migrations.scripts import RevisionFile

CURRENT, APPLIED, PENDING = "current", "applied", "pending"


@dataclass(frozen=True)
class HistoryRow:
    """One line of the history, newest first, with its column in the graph."""

    revision: RevisionFile
    state: str  # current / applied / pending
    graph: str  # lane drawing, e.g. "│ ●─╮"
    is_head: bool
    is_merge: bool
    is_branch_point: bool
    missing_parents: tuple[str, ...] = ()


@dataclass
class History:
    """What the pane shows about one script directory against one version table."""

    rows: list[HistoryRow] = field(default_factory=list)
    current: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # in the database, not in the scripts
    heads: tuple[str, ...] = ()
    effective_heads: tuple[str, ...] = ()  # heads that are not a dependency of another
    pending: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """"at head", "N pending", "N heads in scripts: merge needed",
        "database at an unknown revision", joined when several apply."""
        parts: list[str] = []
        if self.unknown:
            parts.append("database at an unknown revision")
        if self.pending:
            parts.append(f"{len(self.pending)} pending")
        elif not self.unknown:
            parts.append("at head")
        if len(self.effective_heads) > 1:
            parts.append(f"{len(self.effective_heads)} heads in scripts: merge needed")
        return " · ".join(parts)

    @property
    def at_head(self) -> bool:
        return not self.pending and not self.unknown


def _closure(start: set[str], parents: dict[str, tuple[str, ...]]) -> set[str]:
    """`start` and all their ancestors (iterative: 1,000-deep histories)."""
    seen: set[str] = set()
    stack = list(start)
    while stack:
        rev = stack.pop()
        if rev in seen or rev not in parents:
            continue
        seen.add(rev)
        stack.extend(parents[rev])
    return seen


def compute_history(revisions: list[RevisionFile], current_rows: list[str]) -> History:
    """Status of `revisions` for a database whose version table holds `current_rows`."""
    history = History()
    by_id: dict[str, RevisionFile] = {}
    for rev in revisions:
        if rev.revision in by_id:
            history.problems.append(f"Revision {rev.revision} is defined twice: {by_id[rev.revision].path.name} "
                                    f"and {rev.path.name}.")
            continue
        by_id[rev.revision] = rev
    labels = {label: rev.revision for rev in by_id.values() for label in rev.branch_labels}

    def resolve(ref: str) -> str | None:
        if ref in by_id:
            return ref
        if ref in labels:
            return labels[ref]
        matches = [rev for rev in by_id if rev.startswith(ref)] if len(ref) >= 4 else []
        return matches[0] if len(matches) == 1 else None

    down: dict[str, tuple[str, ...]] = {}
    deps: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for rev in by_id.values():
        known = tuple(parent for parent in rev.down_revisions if parent in by_id)
        absent = tuple(parent for parent in rev.down_revisions if parent not in by_id)
        down[rev.revision] = known
        if absent:
            missing[rev.revision] = absent
            history.problems.append(f"{rev.path.name}: down_revision {', '.join(absent)} is not in the "
                                    "script directory (a dangling down_revision; alembic itself fails here).")
        resolved = [resolve(dep) for dep in rev.depends_on]
        deps[rev.revision] = tuple(dep for dep in resolved if dep)
        for dep, ref in zip(resolved, rev.depends_on, strict=True):
            if dep is None:
                history.problems.append(f"{rev.path.name}: depends_on {ref} is not in the script directory.")
    all_parents = {rev: down[rev] + deps[rev] for rev in by_id}

    current = tuple(dict.fromkeys(current_rows))
    history.current = current
    history.unknown = tuple(rev for rev in current if rev not in by_id)
    known_current = {rev for rev in current if rev in by_id}
    applied = _closure(known_current, all_parents)

    children: dict[str, list[str]] = {rev: [] for rev in by_id}
    for rev, parents in down.items():
        for parent in parents:
            children[parent].append(rev)
    history.heads = tuple(rev for rev in by_id if not children[rev])
    history.effective_heads = tuple(
        head for head in history.heads
        if not any(head in _closure(set(deps[other]), all_parents) for other in history.heads if other != head)
    ) if any(deps.values()) else history.heads
    order = _order(by_id, down, history.heads)
    history.pending = tuple(rev for rev in order if rev not in applied)

    for rev, graph in zip(order, _draw(order, down), strict=True):
        state = CURRENT if rev in known_current else APPLIED if rev in applied else PENDING
        history.rows.append(HistoryRow(
            revision=by_id[rev], state=state, graph=graph, is_head=not children[rev],
            is_merge=len(down[rev]) > 1, is_branch_point=len(children[rev]) > 1,
            missing_parents=missing.get(rev, ()),
        ))
    return history


def _order(by_id: dict[str, RevisionFile], down: dict[str, tuple[str, ...]], heads: tuple[str, ...]) -> list[str]:
    """Newest first, children before parents, each branch kept together: the
    reverse of a depth-first post-order from the heads (iterative)."""
    emitted: set[str] = set()
    post: list[str] = []
    for head in sorted(heads, key=lambda rev: by_id[rev].path.name):
        stack: list[tuple[str, int]] = [(head, 0)]
        while stack:
            rev, index = stack.pop()
            if rev in emitted:
                continue
            parents = down[rev]
            if index < len(parents):
                stack.append((rev, index + 1))
                if parents[index] not in emitted:
                    stack.append((parents[index], 0))
            else:
                emitted.add(rev)
                post.append(rev)
    # Revisions in a cycle are not reachable from a head: list them anyway.
    post.extend(rev for rev in by_id if rev not in emitted)
    return post[::-1]


def _draw(order: list[str], down: dict[str, tuple[str, ...]]) -> list[str]:
    """One line of lanes per revision, like `git log --graph`: ● the revision,
    │ a branch passing by, ╯ a branch joining its branch point, ╮ a merge's
    second parent starting a lane."""
    lanes: list[str | None] = []
    lines: list[str] = []
    for rev in order:
        cols = [i for i, want in enumerate(lanes) if want == rev]
        if cols:
            col = cols[0]
        else:
            col = lanes.index(None) if None in lanes else len(lanes)
            if col == len(lanes):
                lanes.append(None)
        joining = set(cols[1:])
        parents = list(down[rev])
        lanes[col] = parents[0] if parents else None
        for i in joining:
            lanes[i] = None
        opening: set[int] = set()
        for parent in parents[1:]:
            if parent in lanes:
                opening.add(lanes.index(parent))  # already awaited: draw the join
                continue
            slot = next((i for i in range(col + 1, len(lanes)) if lanes[i] is None and i not in joining), None)
            if slot is None:
                lanes.append(None)
                slot = len(lanes) - 1
            lanes[slot] = parent
            opening.add(slot)
        marks = joining | opening
        right = max(marks) if marks else col
        cells: list[str] = []
        for i in range(max(len(lanes), right + 1)):
            if i == col:
                cells.append("●")
            elif i in joining:
                cells.append("╯")
            elif i in opening:
                cells.append("╮")
            elif i < len(lanes) and lanes[i] is not None:
                cells.append("│")
            else:
                cells.append(" ")
        line = ""
        for i, cell in enumerate(cells):
            line += cell
            if i < len(cells) - 1:
                line += "─" if col <= i < right else " "
        lines.append(line.rstrip())
        while lanes and lanes[-1] is None:
            lanes.pop()
    return lines
