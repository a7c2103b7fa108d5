"""The Structure and Stats sub-views: tables of facts and the relation's DDL."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.formatting import size_text
from tui.services.browse import Stats, Structure


def _table(title: str, headers: list[str]) -> Table:
    """Short leading columns kept on one line; the last one folds."""
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  header_style="bold dim", pad_edge=False, expand=False)
    for index, header in enumerate(headers):
        last = index == len(headers) - 1
        table.add_column(header, overflow="fold" if last else "ellipsis", no_wrap=not last,
                         max_width=None if last else 24)
    return table


def highlighted(code: str, lexer: str) -> Text:
    """Code coloured by token, on the widget's own background (a Syntax panel
    would paint the terminal's default background over the theme's)."""
    text = Syntax(code, lexer, theme="ansi_dark").highlight(code)
    text.rstrip()
    return text


def _sql(code: str) -> Text:
    return highlighted(code, "sql")


def structure_renderable(structure: Structure) -> RenderableType:
    """Columns, indexes, constraints, foreign keys out/in, triggers, then the DDL."""
    relation = structure.relation
    commented = any(c.comment for c in relation.columns)
    headers = ["name", "type", "null", "default"] + (["comment"] if commented else [])
    columns = _table(f"Columns of {relation.label}", headers)
    for c in relation.columns:
        default = c.default or ""
        if c.identity:
            default = "identity " + ("always" if c.identity == "a" else "by default")
        elif c.generated:
            default = f"generated: {c.default}"
        name = Text(c.name, style="bold" if c.name in relation.key else "")
        cells = [name, c.type, "" if c.nullable else "not null", default]
        columns.add_row(*cells, *([c.comment or ""] if commented else []))
    parts: list[RenderableType] = [columns, Text()]
    if structure.indexes:
        indexes = _table("Indexes", ["name", "definition", "size", "scans"])
        for i in structure.indexes:
            flag = " (primary)" if i["is_primary"] else " (unique)" if i["is_unique"] else ""
            indexes.add_row(i["name"] + flag, i["definition"], size_text(i["size"]),
                            "" if i["scans"] is None else str(i["scans"]))
        parts += [indexes, Text()]
    if structure.constraints:
        constraints = _table("Constraints", ["name", "kind", "definition"])
        kinds = {"p": "primary key", "u": "unique", "c": "check", "x": "exclusion"}
        for c in structure.constraints:
            constraints.add_row(c["name"], kinds.get(c["type"], c["type"]), c["definition"])
        parts += [constraints, Text()]
    if structure.foreign_keys:
        fks = _table("Foreign keys", ["", "columns", "references"])
        for fk in structure.outgoing:
            target = f"{fk.to_schema + '.' if fk.to_schema else ''}{fk.to_table} ({', '.join(fk.to_columns)})"
            fks.add_row("out →", ", ".join(fk.from_columns), target)
        for fk in structure.incoming:
            source = f"{fk.from_schema + '.' if fk.from_schema else ''}{fk.from_table} ({', '.join(fk.from_columns)})"
            fks.add_row("in ←", source, ", ".join(fk.to_columns))
        parts += [fks, Text()]
    if structure.triggers:
        triggers = _table("Triggers", ["name", "definition"])
        for t in structure.triggers:
            triggers.add_row(t["name"] + (" (disabled)" if t["enabled"] == "D" else ""), t["definition"])
        parts += [triggers, Text()]
    parts += [Text("DDL", style="bold"), _sql(structure.ddl)]
    return Group(*parts)


def stats_renderable(label: str, stats: Stats) -> RenderableType:
    """Sizes, tuples, maintenance and scans; a view's definition under them."""
    facts = _table(f"Statistics of {label}", ["", ""])
    for name, value in stats.facts:
        facts.add_row(Text(name, style="dim"), value)
    if stats.definition:
        return Group(facts, Text(), Text("Definition", style="bold"), _sql(stats.definition))
    return facts


class FactsView(VerticalScroll, can_focus=True):
    """A scrollable page of facts (used for Structure and for Stats)."""

    DEFAULT_CSS = """
    FactsView { padding: 0 1; }
    FactsView > Static { width: 100%; }
    """

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", markup=False)

    def show(self, renderable: RenderableType) -> None:
        self.query_one(Static).update(renderable)
        self.scroll_home(animate=False)
