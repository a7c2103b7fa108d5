"""Read-only access for an agent (`bastion mcp`): list and describe tables, run a
query or a saved query, every call in a READ ONLY transaction the server enforces
(the MCP_READER role), with a statement timeout, a row limit and a size cap.

No MCP here: the command wraps these in tools. Blocking; one call at a time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.db.roles import MCP_READER, role_transaction
from tui.services.query.classify import first_keyword, transaction_control
from tui.services.query.guard import acting_functions
from tui.services.query.splitter import split_statements
from tui.services.saved.library import SavedLibrary
from tui.services.saved.params import ParameterError, bind, describe_parameters, parameter_names
from tui.sql import agent_catalog

MAX_SQL_CHARS = 100_000
DEFAULT_ROW_LIMIT = 100
MAX_ROW_LIMIT = 1000
MAX_RESULT_CHARS = 200_000  # of JSON: what an agent's context can take
# Only statements that read (an allowlist: DO, CALL, ANALYZE, REINDEX, CLUSTER, CHECKPOINT … pass
# a read-only transaction and act all the same; SET/RESET/COMMIT would change the session).
ALLOWED_FIRST = {"SELECT", "WITH", "VALUES", "TABLE", "SHOW", "EXPLAIN", "ASCII_40"}  # ASCII_40: "(SELECT …)"
# Statements a server-side cursor can hold (rows fetched as needed, not all at once).
CURSOR_FIRST = {"SELECT", "WITH", "VALUES", "TABLE", "ASCII_40"}
# Functions that change the session, which a pooler would hand on to its next client.
SESSION_FUNCTIONS = ("set_config",)


class AgentError(Exception):
    """A refusal or an error, in words for the agent (and the person reading along)."""


@dataclass
class ReadOnlyAccess:
    """What `bastion mcp` offers, on one connection of the MCP_READER role."""

    conn: Any
    library: SavedLibrary
    version_num: int = 0
    statement_timeout: str = MCP_READER.statement_timeout or "30s"
    reconnect: Callable[[], Any] | None = None  # a new connection when the link was lost
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._text_values()

    def _text_values(self) -> None:
        from psycopg.types.string import TextLoader

        for info in self.conn.adapters.types:  # values as the server's text: JSON-safe, exact
            self.conn.adapters.register_loader(info.oid, TextLoader)
            if info.array_oid:
                self.conn.adapters.register_loader(info.array_oid, TextLoader)

    def _ready(self) -> None:
        """Connect again if the link was lost since the last call (under the lock)."""
        if (self.conn.closed or self.conn.broken) and self.reconnect is not None:
            try:
                self.conn = self.reconnect()
            except Exception as exc:  # noqa: BLE001 - told to the agent; the next call tries again
                raise AgentError(f"the database is not reachable: {exc}") from None
            self._text_values()

    def _rows(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        import psycopg
        from psycopg.rows import dict_row

        with self._lock:
            self._ready()
            try:
                with role_transaction(self.conn, MCP_READER, statement_timeout=self.statement_timeout), \
                        self.conn.cursor(row_factory=dict_row) as cursor:
                    return cursor.execute(sql, params).fetchall()
            except psycopg.Error as exc:
                raise AgentError(_server_words(exc)) from None

    def schemas(self) -> list[dict[str, Any]]:
        """The schemas the role may use, with how many tables and views each has."""
        return self._rows(agent_catalog.SCHEMAS)

    def tables(self, schema: str | None = None) -> list[dict[str, Any]]:
        """Tables and views (of one schema, or all), with row estimates."""
        return self._rows(agent_catalog.TABLES, {"schema": schema})

    def describe(self, table: str, schema: str = "public") -> dict[str, Any]:
        """Columns, constraints and indexes of one table or view."""
        found = self._rows(agent_catalog.RELATION, {"schema": schema, "name": table})
        if not found:
            raise AgentError(f"no table or view {schema}.{table} (list_tables shows what there is)")
        oid = {"oid": found[0]["oid"]}
        return {"schema": schema, "table": table, "columns": self._rows(agent_catalog.COLUMNS, oid),
                "constraints": self._rows(agent_catalog.CONSTRAINTS, oid),
                "indexes": self._rows(agent_catalog.INDEXES, oid)}

    def query(self, sql: str, row_limit: int = DEFAULT_ROW_LIMIT,
              values: dict[str, str] | None = None) -> dict[str, Any]:
        """Run one statement read-only; at most `row_limit` rows and MAX_RESULT_CHARS of JSON."""
        import psycopg

        if len(sql) > MAX_SQL_CHARS:
            raise AgentError(f"the query is {len(sql):,} characters; at most {MAX_SQL_CHARS:,} are accepted")
        statements = split_statements(sql)
        if len(statements) != 1:
            raise AgentError(f"send exactly one statement (got {len(statements)})")
        statement = statements[0]
        if statement.meta:
            raise AgentError(f"psql meta-commands are not SQL: {statement.meta}")
        first = first_keyword(statement)
        if first not in ALLOWED_FIRST or transaction_control(statement):
            raise AgentError(f"{first.removesuffix('_P') or 'this statement'} is not allowed here: bastion mcp runs "
                             "one reading statement (SELECT, WITH, VALUES, TABLE, SHOW, EXPLAIN) in a read-only "
                             "transaction of its own")
        lowered = statement.text.lower()
        changing = [name for name in SESSION_FUNCTIONS if name in lowered]
        if changing:
            raise AgentError(f"{', '.join(changing)} changes the session: not allowed here")
        acting = acting_functions(statement)
        if acting:
            raise AgentError(f"{', '.join(acting)} acts on the server even when read-only: not allowed here")
        limit = max(1, min(int(row_limit), MAX_ROW_LIMIT))
        try:
            bound = bind(statement.text, values or {}) if parameter_names(statement.text) else None
        except ParameterError as exc:
            raise AgentError(str(exc)) from None
        with self._lock:
            self._ready()
            try:
                # A server-side cursor for row sets: only the rows asked for cross the wire.
                # (Not around a data-modifying WITH: DECLARE refuses it before the server's read-only rule speaks.)
                writes = bool(set(statement.keywords) & {"INSERT", "UPDATE", "DELETE_P", "MERGE"})
                cursor_name = "bastion_mcp" if first in CURSOR_FIRST and not writes else None
                with role_transaction(self.conn, MCP_READER, statement_timeout=self.statement_timeout), \
                        self.conn.cursor(name=cursor_name) if cursor_name else self.conn.cursor() as cursor:
                    if bound is None:
                        cursor.execute(statement.text)
                    else:
                        cursor.execute(bound.psycopg_sql, bound.values)
                    if not cursor.description:
                        return {"columns": [], "rows": [], "row_count": 0, "status": cursor.statusmessage}
                    columns = [d.name for d in cursor.description]
                    rows = cursor.fetchmany(limit + 1)
            except psycopg.Error as exc:
                raise AgentError(_server_words(exc)) from None
        return _capped(columns, rows, limit)

    def saved(self) -> list[dict[str, Any]]:
        """The saved queries this profile sees (project, profile, health pack)."""
        listed = []
        for query in self.library.queries():
            if not query.runs_on(self.version_num):
                continue
            entry: dict[str, Any] = {"name": query.name, "description": query.description, "scope": query.scope}
            if query.advice:
                entry["when_it_looks_bad"] = query.advice
            names = parameter_names(query.sql)
            if names:
                entry["parameters"] = self._parameter_types(query.sql, names)
            listed.append(entry)
        return listed

    def _parameter_types(self, sql: str, names: list[str]) -> dict[str, str]:
        import psycopg

        with self._lock:
            try:
                return describe_parameters(self.conn, sql)
            except psycopg.Error:
                return dict.fromkeys(names, "unknown")

    def run_saved(self, name: str, values: dict[str, str] | None = None,
                  row_limit: int = DEFAULT_ROW_LIMIT) -> dict[str, Any]:
        """Run a saved query by name, its parameters bound from `values`."""
        try:
            query = self.library.find(name)
        except KeyError as exc:
            raise AgentError(str(exc.args[0])) from None
        from tui.services.saved.health import why_not_here

        with self._lock:
            why_not = why_not_here(self.conn, query, self.version_num)
        if why_not:
            raise AgentError(why_not)
        result = self.query(query.sql, row_limit, values)
        if query.advice:
            result["when_it_looks_bad"] = query.advice
        return result


def _capped(columns: list[str], rows: list[tuple[Any, ...]], limit: int) -> dict[str, Any]:
    more = len(rows) > limit
    kept = [dict(zip(columns, row, strict=False)) for row in rows[:limit]]
    size = sum(len(json.dumps(row, ensure_ascii=False)) + 2 for row in kept)
    while kept and size > MAX_RESULT_CHARS:
        size -= len(json.dumps(kept.pop(), ensure_ascii=False)) + 2
        more = True
    result: dict[str, Any] = {"columns": columns, "rows": kept, "row_count": len(kept), "truncated": more}
    if more:
        result["note"] = (f"only the first {len(kept)} rows (row limit {limit}, at most {MAX_RESULT_CHARS:,} "
                          "characters): add a WHERE, an aggregate or a LIMIT")
    return result


def _server_words(exc: Any) -> str:
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag else None) or str(exc).strip()
    sqlstate = diag.sqlstate if diag else None
    if sqlstate == "25006":
        return f"refused by the server: {message} (bastion mcp is read-only)"
    if sqlstate == "57014":
        return f"{message}: the statement ran past its time limit; narrow it down"
    hint = f" (hint: {diag.message_hint})" if diag and diag.message_hint else ""
    return f"{message}{hint}"
