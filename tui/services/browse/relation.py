"""What the Browse tab needs to know about a relation before paging it."""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg import sql

from tui.db.reader import QueryError, Source
from tui.sql import browse as q

# PostgreSQL type categories shown right-aligned in the grid.
NUMERIC_CATEGORIES = frozenset({"N"})


@dataclass(frozen=True)
class Column:
    """One column, as the catalog describes it."""

    name: str
    type: str
    category: str = "S"  # pg_type.typcategory; "N" numeric, "B" bool, "U" json/uuid/...
    nullable: bool = True
    default: str | None = None
    comment: str | None = None
    identity: str = ""  # "a" always, "d" by default
    generated: str = ""  # "s" stored

    @property
    def numeric(self) -> bool:
        return self.category in NUMERIC_CATEGORIES


@dataclass
class RelationInfo:
    """A relation and how to page it: by its key, by ctid, or (views) by OFFSET."""

    schema: str | None
    name: str
    kind: str
    columns: list[Column]
    key: list[str] = field(default_factory=list)  # paging key columns
    key_mode: str = "key"  # "key", "ctid", "rowid", "offset"
    note: str = ""
    oid: int | None = None
    estimate: int | None = None

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name) if self.schema else sql.Identifier(self.name)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


_KINDS = {"r": "table", "p": "partitioned", "v": "view", "m": "matview", "f": "foreign"}


def describe_relation(source: Source, schema: str | None, name: str) -> RelationInfo:
    """Columns and paging key of a relation (one catalog round trip each)."""
    if source.dialect == "sqlite":
        return _describe_sqlite(source, name)
    found = source.dicts(q.RELATION, {"schema": schema, "name": name})
    if not found:
        raise QueryError(f"relation {schema}.{name} does not exist (dropped? press r in the sidebar)")
    oid, relkind = found[0]["oid"], found[0]["relkind"]
    columns = [Column(r["name"], r["type"], r["category"], r["nullable"], r["default"], r["comment"],
                      r["identity"] or "", r["generated"] or "")
               for r in source.dicts(q.COLUMNS, {"oid": oid})]
    info = RelationInfo(schema, name, _KINDS.get(relkind, relkind), columns, oid=oid,
                        estimate=found[0]["estimate"])
    key_rows = source.dicts(q.PAGING_KEY, {"oid": oid}) if relkind in ("r", "p", "m") else []
    if key_rows:
        info.key = list(key_rows[0]["columns"])
    elif relkind in ("r", "m"):
        info.key, info.key_mode = ["ctid"], "ctid"
        info.note = "no primary key or unique NOT NULL index: paged in physical (ctid) order"
    elif relkind == "p":
        info.key, info.key_mode = ["tableoid", "ctid"], "ctid"
        info.note = "no primary key: paged by partition and physical (ctid) order"
    else:
        info.key_mode = "offset"
        info.key = _view_key(source, info) if relkind == "v" else []
        info.note = (f"a {info.kind} has no key: paged with OFFSET (slower far from the start)" if not info.key
                     else f"a view: paged with OFFSET in its base table's key order ({', '.join(info.key)})")
    return info


def _view_key(source: Source, view: RelationInfo) -> list[str]:
    """The view's columns that show its one base table's key, or []: the key is
    taken only when every key column is read by the view and shown under its own
    name and type (applying still checks that each statement touched one row)."""
    base = source.dicts(q.VIEW_BASE, {"oid": view.oid})
    if not base:
        return []
    key_rows = source.dicts(q.PAGING_KEY, {"oid": base[0]["oid"]})
    if not key_rows:
        return []
    key, reads = list(key_rows[0]["columns"]), set(base[0]["reads"])
    base_types = {r["name"]: r["type"] for r in source.dicts(q.COLUMNS, {"oid": base[0]["oid"]})}
    shown = {c.name: c.type for c in view.columns}
    if all(name in reads and name in shown and shown[name] == base_types[name] for name in key):
        return key
    return []


def _describe_sqlite(source: Source, name: str) -> RelationInfo:
    kind_rows = source.dicts("SELECT type, sql FROM sqlite_master WHERE name = :name", {"name": name})
    if not kind_rows:
        raise QueryError(f"{name} does not exist (dropped? press r in the sidebar)")
    kind = kind_rows[0]["type"]
    pragma = sql.SQL("PRAGMA table_xinfo({})").format(sql.Identifier(name))
    columns: list[Column] = []
    primary: list[tuple[int, str]] = []
    for row in source.dicts(pragma):
        if row["hidden"] == 1:
            continue
        declared = (row["type"] or "").upper()
        numeric = any(word in declared for word in ("INT", "REAL", "NUM", "DEC", "FLOA", "DOUB"))
        columns.append(Column(row["name"], row["type"] or "", "N" if numeric else "S",
                              not row["notnull"] and not row["pk"], row["dflt_value"],
                              generated="s" if row["hidden"] in (2, 3) else ""))
        if row["pk"]:
            primary.append((row["pk"], row["name"]))
    info = RelationInfo(None, name, kind, columns)
    create = (kind_rows[0]["sql"] or "").upper()
    if kind == "view":
        info.key_mode = "offset"
        info.note = "a view has no key: paged with OFFSET (slower far from the start)"
    elif "WITHOUT ROWID" in create:
        info.key = [n for _, n in sorted(primary)]
    else:
        info.key, info.key_mode = ["rowid"], "rowid"
    return info
