"""A relation's structure: columns, indexes, constraints, foreign keys, triggers, DDL.

The DDL is rebuilt from the catalog. It does not cover: ownership, grants, row
level security policies, storage parameters and tablespaces, INHERITS (other
than partitions), per-column collation/storage/statistics targets, extended
statistics, replica identity, publications, and sequences owned by columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from tui.db.reader import Source
from tui.services.browse.relation import RelationInfo
from tui.sql import browse as q


@dataclass(frozen=True)
class ForeignKey:
    """A foreign key: from (schema.table, columns) to (schema.table, columns)."""

    name: str
    outgoing: bool
    from_schema: str | None
    from_table: str
    from_columns: list[str]
    to_schema: str | None
    to_table: str
    to_columns: list[str]
    definition: str = ""


@dataclass
class Structure:
    """Everything the Structure view shows."""

    relation: RelationInfo
    indexes: list[dict[str, Any]] = field(default_factory=list)
    constraints: list[dict[str, Any]] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    triggers: list[dict[str, Any]] = field(default_factory=list)
    ddl: str = ""

    @property
    def outgoing(self) -> list[ForeignKey]:
        return [fk for fk in self.foreign_keys if fk.outgoing]

    @property
    def incoming(self) -> list[ForeignKey]:
        return [fk for fk in self.foreign_keys if not fk.outgoing]


def foreign_keys(source: Source, relation: RelationInfo) -> list[ForeignKey]:
    """Foreign keys out of and into a relation."""
    if source.dialect == "sqlite":
        pragma = sql.SQL("PRAGMA foreign_key_list({})").format(sql.Identifier(relation.name))
        grouped: dict[int, ForeignKey] = {}
        for row in source.dicts(pragma):
            fk = grouped.setdefault(row["id"], ForeignKey(f"fk{row['id']}", True, None, relation.name, [],
                                                          None, row["table"], []))
            fk.from_columns.append(row["from"])
            fk.to_columns.append(row["to"] or "rowid")
        return list(grouped.values())
    return [ForeignKey(**row) for row in source.dicts(q.FOREIGN_KEYS, {"oid": relation.oid})]


def load_structure(source: Source, relation: RelationInfo) -> Structure:
    """Columns come with the relation; the rest is one query per section."""
    if source.dialect == "sqlite":
        return _sqlite_structure(source, relation)
    params = {"oid": relation.oid}
    structure = Structure(
        relation,
        source.dicts(q.INDEXES, params),
        source.dicts(q.CONSTRAINTS, params),
        foreign_keys(source, relation),
        source.dicts(q.TRIGGERS, params),
    )
    facts = source.dicts(q.TABLE_DDL_FACTS, params)[0]
    structure.ddl = build_ddl(structure, facts)
    return structure


def _column_ddl(column: Any) -> str:
    parts = [sql.Identifier(column.name).as_string(None), column.type]
    if column.identity:
        parts.append("GENERATED " + ("ALWAYS" if column.identity == "a" else "BY DEFAULT") + " AS IDENTITY")
    elif column.generated:
        parts.append(f"GENERATED ALWAYS AS ({column.default}) STORED")
    elif column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    if not column.nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def build_ddl(structure: Structure, facts: dict[str, Any]) -> str:
    """CREATE statements for the relation, its indexes, triggers and comments."""
    relation = structure.relation
    name = relation.identifier.as_string(None)
    if facts["relkind"] in ("v", "m"):
        head = "CREATE MATERIALIZED VIEW" if facts["relkind"] == "m" else "CREATE VIEW"
        statements = [f"{head} {name} AS\n{(facts['view_definition'] or '').rstrip().rstrip(';')};"]
    else:
        unlogged = "UNLOGGED " if facts["persistence"] == "u" else ""
        foreign = "FOREIGN " if facts["relkind"] == "f" else ""
        if facts["partition_of"]:
            body = f"CREATE TABLE {name} PARTITION OF {facts['partition_of']}\n    {facts['partition_bound']}"
        else:
            lines = [_column_ddl(c) for c in relation.columns]
            lines += [f"CONSTRAINT {sql.Identifier(c['name']).as_string(None)} {c['definition']}"
                      for c in structure.constraints]
            lines += [f"CONSTRAINT {sql.Identifier(fk.name).as_string(None)} {fk.definition}"
                      for fk in structure.outgoing]
            body = f"CREATE {unlogged}{foreign}TABLE {name} (\n    " + ",\n    ".join(lines) + "\n)"
            if facts["partition_key"]:
                body += f" PARTITION BY {facts['partition_key']}"
        statements = [body + ";"]
        constraint_names = {c["name"] for c in structure.constraints}
        statements += [f"{i['definition']};" for i in structure.indexes if i["name"] not in constraint_names]
    statements += [f"{t['definition']};" for t in structure.triggers]
    if facts["comment"]:
        statements.append(f"COMMENT ON TABLE {name} IS {sql.Literal(facts['comment']).as_string(None)};")
    for column in relation.columns:
        if column.comment:
            target = f"{name}.{sql.Identifier(column.name).as_string(None)}"
            statements.append(f"COMMENT ON COLUMN {target} IS {sql.Literal(column.comment).as_string(None)};")
    return "\n\n".join(statements) + "\n"


def _sqlite_structure(source: Source, relation: RelationInfo) -> Structure:
    name = sql.Identifier(relation.name)
    indexes = [{"name": r["name"], "definition": "", "size": None, "is_unique": bool(r["unique"]),
                "is_primary": r["origin"] == "pk", "scans": None}
               for r in source.dicts(sql.SQL("PRAGMA index_list({})").format(name))]
    ddl_rows = source.dicts("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = :name AND sql IS NOT NULL "
                            "ORDER BY type = 'table' DESC, type = 'view' DESC, name", {"name": relation.name})
    by_name = {r["name"]: r["sql"] for r in ddl_rows}
    for index in indexes:
        index["definition"] = by_name.get(index["name"]) or f"(automatic index {index['name']})"
    triggers = [{"name": r["name"], "definition": r["sql"], "enabled": "O"}
                for r in ddl_rows if r["type"] == "trigger"]
    return Structure(relation, indexes, [], foreign_keys(source, relation), triggers,
                     "\n\n".join(r["sql"].rstrip(";") + ";" for r in ddl_rows) + "\n")
