"""EXPLAIN (FORMAT JSON) as a tree of plan nodes, the expensive ones marked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.services.query.runner import Session
from tui.services.query.splitter import Statement


@dataclass
class PlanNode:
    """One node of a plan, with the figures people compare."""

    node_type: str
    relation: str | None
    estimated_rows: float
    actual_rows: float | None
    total_time: float | None  # ms, inclusive, per loop × loops (ANALYZE only)
    total_cost: float
    self_share: float = 0.0  # share of the plan's time (or cost) spent in this node alone
    children: list[PlanNode] = field(default_factory=list)
    detail: str = ""

    @property
    def label(self) -> str:
        text = self.node_type + (f" on {self.relation}" if self.relation else "")
        rows = f"rows est {self.estimated_rows:,.0f}"
        if self.actual_rows is not None:
            rows += f" / actual {self.actual_rows:,.0f}"
        timing = f"  {self.total_time:,.2f} ms" if self.total_time is not None else f"  cost {self.total_cost:,.1f}"
        return f"{text}  ({rows}){timing}"


def explain_sql(statement: Statement, analyze: bool) -> str:
    """The EXPLAIN to send (always in a rolled-back transaction: see run_explain)."""
    options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
    return f"EXPLAIN ({options}) {statement.text}"


def run_explain(conn: Any, sql: str, read_only: bool) -> PlanNode:
    """Run an EXPLAIN on a psycopg connection and parse its plan.

    Always in a transaction (a savepoint inside the user's) that is rolled back:
    ANALYZE runs the statement, and no classifier sees every write (EXECUTE, a
    function that writes), so nothing it does is ever committed. With `read_only`
    (production) the server refuses a write before it runs at all.
    """
    with conn.transaction(force_rollback=True), conn.cursor() as cursor:
        if read_only:
            cursor.execute("SET LOCAL transaction_read_only = on")
        cursor.execute(sql)
        row = cursor.fetchone()
    return parse_plan(row[0])


def refused_as_write(exc: BaseException) -> bool:
    """Whether a read-only EXPLAIN ANALYZE failed because the statement writes."""
    sqlstate = getattr(getattr(exc, "diag", None), "sqlstate", None)
    return sqlstate in ("25006", "25001", "2D000")


def explain_statement(session: Session, statement: Statement, analyze: bool, read_only: bool) -> PlanNode:
    """EXPLAIN (ANALYZE) one statement on the editor's own PostgreSQL session, rolled
    back (see run_explain). Blocking: call from a worker."""
    return run_explain(session.conn, explain_sql(statement, analyze), read_only)


def explain_failure(exc: BaseException, read_only: bool) -> str:
    """Why an EXPLAIN failed, in the words shown to the user."""
    if read_only and refused_as_write(exc):
        return ("EXPLAIN ANALYZE runs the statement, and this one writes: not on production. "
                "f6 shows the plan without running it; EXPLAIN ANALYZE typed in the editor is confirmed.")
    diag = getattr(exc, "diag", None)
    return getattr(diag, "message_primary", None) or str(exc)


def parse_plan(raw: Any) -> PlanNode:
    """Build the tree from EXPLAIN's JSON (text or already decoded)."""
    data = json.loads(raw) if isinstance(raw, str) else raw
    top = data[0]["Plan"]
    root = _node(top)
    measure = "time" if root.total_time is not None else "cost"
    total = (root.total_time if measure == "time" else root.total_cost) or 1.0
    _shares(root, measure, total)
    return root


def _node(plan: dict[str, Any]) -> PlanNode:
    loops = plan.get("Actual Loops") or 1
    actual_time = plan.get("Actual Total Time")
    relation = plan.get("Relation Name")
    if relation and plan.get("Alias") and plan["Alias"] != relation:
        relation = f"{relation} {plan['Alias']}"
    detail = "; ".join(f"{k}: {plan[k]}" for k in ("Index Name", "Filter", "Index Cond", "Hash Cond",
                                                     "Join Filter", "Sort Key") if k in plan)
    return PlanNode(
        node_type=plan.get("Node Type", "?"),
        relation=relation,
        estimated_rows=float(plan.get("Plan Rows", 0)),
        actual_rows=float(plan["Actual Rows"]) * loops if "Actual Rows" in plan else None,
        total_time=float(actual_time) * loops if actual_time is not None else None,
        total_cost=float(plan.get("Total Cost", 0.0)),
        children=[_node(child) for child in plan.get("Plans", [])],
        detail=detail,
    )


def _shares(node: PlanNode, measure: str, total: float) -> None:
    def value(n: PlanNode) -> float:
        return (n.total_time or 0.0) if measure == "time" else n.total_cost

    own = value(node) - sum(value(child) for child in node.children)
    node.self_share = max(0.0, own) / total
    for child in node.children:
        _shares(child, measure, total)


def walk(node: PlanNode) -> list[PlanNode]:
    return [node, *(n for child in node.children for n in walk(child))]
