"""A plan as a tree: node, relation, estimated vs actual rows, time; the nodes
that take the largest share of the time (or cost) are highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, Static, Tree
from textual.widgets.tree import TreeNode

from tui.services.query.explain import PlanNode
from tui.widgets.dialogs.dialog import Dialog

HOT_SHARE = 0.3  # a node spending 30%+ of the plan on its own is highlighted


def node_label(node: PlanNode) -> Text:
    label = Text(node.label)
    if node.self_share >= HOT_SHARE:
        label.stylize("bold red")
    elif node.actual_rows is not None and node.estimated_rows and (
        node.actual_rows / max(node.estimated_rows, 1) > 10 or node.estimated_rows / max(node.actual_rows, 1) > 10
    ):
        label.stylize("yellow")  # estimate off by 10x or more
    label.append(f"  {node.self_share:.0%}", style="dim")
    return label


class ExplainScreen(Dialog[None]):
    """EXPLAIN's tree; enter on a node shows its conditions."""

    BINDINGS = [Binding("escape", "close", "Close"), Binding("q", "close", "Close", show=False)]

    def __init__(self, title: str, plan: PlanNode) -> None:
        super().__init__()
        self.title_text = title
        self.plan = plan

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="explain-dialog"):
            yield Label(self.title_text, classes="dialog-title", markup=False)
            tree: Tree[PlanNode] = Tree(node_label(self.plan), data=self.plan, id="explain-tree")
            tree.guide_depth = 2
            self._add(tree.root, self.plan)
            tree.root.expand_all()
            yield tree
            yield Static("", id="explain-detail", markup=False)
            yield Static("red: 30%+ of the plan in that node · yellow: row estimate off 10x · esc close",
                         classes="dialog-keys")

    def _add(self, parent: TreeNode[PlanNode], node: PlanNode) -> None:
        for child in node.children:
            branch = parent.add(node_label(child), data=child)
            self._add(branch, child)
            if not child.children:
                branch.allow_expand = False

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[PlanNode]) -> None:
        node = event.node.data
        self.query_one("#explain-detail", Static).update(node.detail if node else "")

    def action_close(self) -> None:
        self.dismiss(None)
