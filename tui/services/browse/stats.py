"""Sizes, tuple counts, vacuum/analyze times and scan counts of one relation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.db.reader import Source
from tui.formatting import size_text
from tui.services.browse.relation import RelationInfo
from tui.sql import browse as q


@dataclass
class Stats:
    """Labelled facts for the Stats view, in display order, and a view's definition."""

    facts: list[tuple[str, str]]
    definition: str = ""


def _text(value: Any) -> str:
    return "never" if value is None else str(value)


def load_stats(source: Source, relation: RelationInfo) -> Stats:
    """One query for a table; a view's definition for views."""
    if source.dialect == "sqlite":
        rows = source.dicts("SELECT sql FROM sqlite_master WHERE name = :name", {"name": relation.name})
        return Stats([("kind", relation.kind), ("row estimate", "not kept by SQLite")],
                     rows[0]["sql"] if rows and relation.kind == "view" else "")
    row = source.dicts(q.STATS, {"oid": relation.oid})[0]
    facts = [
        ("kind", relation.kind),
        ("table size", size_text(row["table_size"])),
        ("TOAST size", size_text(row["toast_size"]) or "none"),
        ("index size", size_text(row["indexes_size"])),
        ("total size", size_text(row["total_size"])),
        ("row estimate", _text(row["estimate"] if row["estimate"] is not None and row["estimate"] >= 0 else None)),
        ("live tuples", _text(row["live_tuples"])),
        ("dead tuples", _text(row["dead_tuples"])),
        ("last vacuum", _text(row["last_vacuum"])),
        ("last autovacuum", _text(row["last_autovacuum"])),
        ("last analyze", _text(row["last_analyze"])),
        ("last autoanalyze", _text(row["last_autoanalyze"])),
        ("sequential scans", _text(row["seq_scans"])),
        ("index scans", _text(row["index_scans"])),
        ("inserted / updated / deleted",
         " / ".join(_text(row[k]) for k in ("inserted", "updated", "deleted"))),
    ]
    definition = ""
    if relation.kind in ("view", "matview"):
        facts_row = source.dicts(q.TABLE_DDL_FACTS, {"oid": relation.oid})[0]
        definition = facts_row["view_definition"] or ""
    if relation.kind == "matview":
        populated = source.dicts(q.MATVIEW_FACTS, {"schema": relation.schema, "name": relation.name})
        facts.append(("populated", "yes" if populated and populated[0]["populated"] else "no"))
        facts.append(("last refreshed", "not recorded by PostgreSQL (see last analyze)"))
    return Stats(facts, definition)
