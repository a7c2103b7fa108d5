"""Completion for the SQL editor: keywords, schemas, tables, the columns of the
tables in the statement, and functions, from a catalog loaded once (in a worker)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.db.base import Database
from tui.db.roles import COMPLETION
from tui.services.query.splitter import split_statements, statement_at
from tui.sql import completion as sql

KEYWORDS = sorted(set("""
SELECT FROM WHERE GROUP BY ORDER HAVING LIMIT OFFSET JOIN LEFT RIGHT FULL INNER OUTER CROSS ON USING AS
AND OR NOT IN IS NULL LIKE ILIKE BETWEEN EXISTS CASE WHEN THEN ELSE END DISTINCT UNION ALL INTERSECT EXCEPT
INSERT INTO VALUES UPDATE SET DELETE RETURNING WITH RECURSIVE CREATE TABLE VIEW INDEX ALTER DROP TRUNCATE
BEGIN COMMIT ROLLBACK EXPLAIN ANALYZE PRIMARY KEY FOREIGN REFERENCES DEFAULT CONSTRAINT UNIQUE CHECK
ASC DESC NULLS FIRST LAST COALESCE CAST TRUE FALSE LATERAL WINDOW OVER PARTITION MATERIALIZED REFRESH
GRANT REVOKE SCHEMA SEQUENCE FUNCTION TRIGGER VACUUM COPY
""".split()))
IDENTIFIER_BEFORE_CURSOR = re.compile(r'([A-Za-z_][\w$]*\.)?([A-Za-z_][\w$]*)?$')
TABLE_REFERENCE = re.compile(
    r'\b(?:FROM|JOIN|UPDATE|INTO)\s+(?:ONLY\s+)?((?:"[^"]+"|[\w$]+)(?:\.(?:"[^"]+"|[\w$]+))?)'
    r'(?:\s+(?:AS\s+)?(?!(?:WHERE|JOIN|ON|LEFT|RIGHT|INNER|FULL|CROSS|GROUP|ORDER|LIMIT|SET|USING|VALUES)\b)([\w$]+))?',
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """One suggestion: the text to insert and what it is."""

    text: str
    kind: str  # keyword, schema, table, column, function


@dataclass
class CompletionCatalog:
    """Names from the database, by kind."""

    schemas: list[str] = field(default_factory=list)
    tables: list[tuple[str, str]] = field(default_factory=list)  # (schema, name)
    columns: dict[str, list[str]] = field(default_factory=dict)  # table name (and schema.table) -> columns
    functions: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, database: Database) -> CompletionCatalog:
        """Blocking: call from a worker. A few catalog queries, no more."""
        if database.info.kind == "sqlite":
            return cls._load_sqlite(database)
        catalog = cls()
        with database.connect(COMPLETION) as conn:
            catalog.schemas = [r[0] for r in conn.execute(sql.SCHEMAS)]
            catalog.tables = [(r[0], r[1]) for r in conn.execute(sql.TABLES)]
            for schema, table, column in conn.execute(sql.COLUMNS):
                catalog.columns.setdefault(table, []).append(column)
                catalog.columns.setdefault(f"{schema}.{table}", []).append(column)
            catalog.functions = [r[0] for r in conn.execute(sql.FUNCTIONS)]
        return catalog

    @classmethod
    def _load_sqlite(cls, database: Database) -> CompletionCatalog:
        catalog = cls()
        conn = database.connect(COMPLETION)
        try:
            names = [r[0] for r in conn.execute(sql.SQLITE_TABLES)]
            catalog.tables = [("main", n) for n in names]
            for name in names:
                catalog.columns[name] = [r[0] for r in conn.execute(sql.SQLITE_COLUMNS, (name,))]
        finally:
            conn.close()
        return catalog


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith('"') and name.endswith('"') else name.lower()


def tables_in_statement(statement_text: str) -> dict[str, str]:
    """alias or table name -> table name, for the tables the statement reads."""
    found: dict[str, str] = {}
    for match in TABLE_REFERENCE.finditer(statement_text):
        parts = [_unquote(p) for p in re.findall(r'"[^"]+"|[\w$]+', match.group(1))]
        table = ".".join(parts)
        found[parts[-1]] = table
        found[table] = table
        if match.group(2):
            found[match.group(2).lower()] = table
    return found


def complete(text: str, offset: int, catalog: CompletionCatalog, limit: int = 50) -> tuple[int, list[Candidate]]:
    """Where the word being typed starts, and what could finish it."""
    before = text[:offset]
    match = IDENTIFIER_BEFORE_CURSOR.search(before)
    qualifier = (match.group(1) or "")[:-1] if match else ""
    prefix = (match.group(2) or "") if match else ""
    start = offset - len(prefix)
    statement = statement_at(split_statements(text), offset)
    referenced = tables_in_statement(statement.text if statement else before)
    lowered = prefix.lower()

    def matches(name: str) -> bool:
        return name.lower().startswith(lowered)

    candidates: list[Candidate] = []
    if qualifier:
        qualifier_l = qualifier.lower()
        table = referenced.get(qualifier_l, qualifier_l)
        candidates += [Candidate(c, "column") for c in catalog.columns.get(table, []) if matches(c)]
        candidates += [Candidate(name, "table") for schema, name in catalog.tables
                       if schema.lower() == qualifier_l and matches(name)]
        return start, candidates[:limit]
    for table in dict.fromkeys(referenced.values()):
        candidates += [Candidate(c, "column") for c in catalog.columns.get(table, []) if matches(c)]
    if prefix:
        candidates += [Candidate(k, "keyword") for k in KEYWORDS if matches(k)]
        candidates += [Candidate(name, "table") for _schema, name in catalog.tables if matches(name)]
        candidates += [Candidate(s, "schema") for s in catalog.schemas if matches(s)]
        candidates += [Candidate(f, "function") for f in catalog.functions if matches(f)]
    unique = list(dict.fromkeys(candidates))
    return start, unique[:limit]
