"""EXPLAIN (FORMAT JSON) as a tree of plan nodes, the expensive ones marked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tui.services.query.classify import is_write
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


def explain_sql(statement: Statement, analyze: bool) -> tuple[str, bool]:
    """The EXPLAIN to send, and whether it must run in a rolled-back transaction."""
    options = "FORMAT JSON, ANALYZE, BUFFERS" if analyze else "FORMAT JSON"
    return f"EXPLAIN ({options}) {statement.text}", analyze and is_write(statement)


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
