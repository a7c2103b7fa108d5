"""Placeholders in a saved query: `:name` (psql's spelling) and `$1`, found with
PostgreSQL's own lexer so `::casts`, strings, quoted identifiers, dollar quotes and
comments are never taken for one; values are always sent as bound parameters.

A value goes to the server as text of type `unknown`, so PostgreSQL types it by
what the statement needs (a wrong one is the server's clear error, e.g. `invalid
input syntax for type integer: "abc"`); `describe_parameters` asks the server the
types it inferred, for the prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pglast.parser import scan

from tui.services.query.splitter import Statement

_COLON = "ASCII_58"
_OPEN_BRACKET, _CLOSE_BRACKET = "ASCII_91", "ASCII_93"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class ParameterError(ValueError):
    """A placeholder without a value, or a value for none."""


@dataclass(frozen=True)
class Placeholder:
    """One occurrence of a placeholder: its name ("customer" or "1") and span."""

    name: str
    start: int
    end: int  # exclusive


@dataclass(frozen=True)
class BoundQuery:
    """SQL with `%s` where each placeholder was (every `%` doubled) and the values
    in the order psycopg binds them; `$n` SQL for the server (prepare/describe)."""

    psycopg_sql: str
    values: tuple[str | None, ...]
    native_sql: str  # `$1`, `$2` … in the order of `names`
    names: tuple[str, ...]  # distinct names, `$n` numbering
    qmark_sql: str = ""  # `?` where each placeholder was, for SQLite (same order as `values`)


@dataclass(frozen=True)
class BoundStatement(Statement):
    """A statement with the values of its placeholders: the query runner passes
    `params` to the driver beside `text` (which has the driver's placeholders)."""

    params: tuple[str | None, ...] = ()


def find_placeholders(sql: str) -> list[Placeholder]:
    """Every `:name` and `$n` outside strings, comments and casts, in order."""
    try:
        tokens = list(scan(sql))
    except Exception:  # noqa: BLE001 - an unterminated quote: the server will say where
        return []
    found: list[Placeholder] = []
    brackets = 0  # inside `arr[lo:hi]` a colon is a slice, not a placeholder
    for token, following in zip(tokens, [*tokens[1:], None], strict=False):
        if token.name == _OPEN_BRACKET:
            brackets += 1
        elif token.name == _CLOSE_BRACKET:
            brackets = max(0, brackets - 1)
        elif token.name == "PARAM":
            found.append(Placeholder(sql[token.start + 1:token.end + 1], token.start, token.end + 1))
        elif token.name == _COLON and not brackets and following is not None and following.start == token.end + 1:
            word = sql[following.start:following.end + 1]
            if _NAME.match(word):
                found.append(Placeholder(word, token.start, following.end + 1))
    return found


def parameter_names(sql: str) -> list[str]:
    """The distinct placeholder names of `sql`: `$n` ones by number, then `:name`
    ones in the order they first appear."""
    names: list[str] = []
    for placeholder in find_placeholders(sql):
        if placeholder.name not in names:
            names.append(placeholder.name)
    positional = sorted((n for n in names if n.isdigit()), key=int)
    return positional + [n for n in names if not n.isdigit()]


def bind(sql: str, values: dict[str, str | None]) -> BoundQuery:
    """The query with its placeholders bound to `values` (by name, or "1" for `$1`).

    Raises ParameterError naming every placeholder that has no value."""
    placeholders = find_placeholders(sql)
    names = parameter_names(sql)
    missing = [name for name in names if name not in values]
    if missing:
        raise ParameterError("no value for " + ", ".join(_spelled(n) for n in missing))
    numbers = {name: index + 1 for index, name in enumerate(names)}
    psycopg_parts: list[str] = []
    native_parts: list[str] = []
    qmark_parts: list[str] = []
    ordered: list[str | None] = []
    position = 0
    for placeholder in placeholders:
        between = sql[position:placeholder.start]
        psycopg_parts.append(between.replace("%", "%%"))
        native_parts.append(between)
        qmark_parts.extend((between, "?"))
        psycopg_parts.append("%s")
        native_parts.append(f"${numbers[placeholder.name]}")
        ordered.append(values[placeholder.name])
        position = placeholder.end
    psycopg_parts.append(sql[position:].replace("%", "%%"))
    native_parts.append(sql[position:])
    qmark_parts.append(sql[position:])
    return BoundQuery("".join(psycopg_parts), tuple(ordered), "".join(native_parts), tuple(names),
                      "".join(qmark_parts))


def bound_statement(sql: str, values: dict[str, str | None], sqlite: bool = False) -> BoundStatement:
    """One statement with its values, ready for the query runner (lexed again, so the
    guard's classification reads the text that is sent)."""
    from tui.services.query.splitter import split_statements

    bound = bind(sql, values)
    text = bound.qmark_sql if sqlite else bound.psycopg_sql
    statements = split_statements(text)
    if len(statements) != 1:
        raise ParameterError("a query with parameters is one statement")
    return BoundStatement(statements[0].text, 0, statements[0].tokens, bound.values)


def describe_parameters(conn: Any, sql: str) -> dict[str, str]:
    """The type PostgreSQL infers for each placeholder (`{"customer": "integer"}`),
    from an unnamed prepared statement described and dropped with the next one.
    Raises psycopg.Error when the statement does not parse."""
    if not parameter_names(sql):
        return {}
    query = bind(sql, dict.fromkeys(parameter_names(sql)))
    pgconn = conn.pgconn
    result = pgconn.prepare(b"", query.native_sql.encode(), None)
    _check(result, conn)
    described = pgconn.describe_prepared(b"")
    _check(described, conn)
    oids = [described.param_type(i) for i in range(described.nparams)]
    if not oids:
        return {}
    with conn.cursor() as cursor:
        cursor.execute("SELECT format_type(oid, NULL) FROM unnest(%s::oid[]) WITH ORDINALITY AS t(oid, n) "
                       "ORDER BY n", (oids,))
        types = [row[0] for row in cursor.fetchall()]
    return dict(zip(query.names, types, strict=False))


def _check(result: Any, conn: Any) -> None:
    import psycopg

    if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
        raise psycopg.errors.lookup(result.error_field(psycopg.pq.DiagnosticField.SQLSTATE).decode())(
            result.error_message.decode(errors="replace").strip())


def parse_assignments(items: list[str]) -> dict[str, str]:
    """`--param k=v` items as a dict (`1=v` for `$1`, a leading `:` or `$` is
    allowed); raises ParameterError for an item without `=`."""
    values: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        name = name.strip().lstrip(":$")
        if not equals or not name:
            raise ParameterError(f"--param {item!r}: expected NAME=VALUE (or 1=VALUE for $1)")
        values[name] = value
    return values


def _spelled(name: str) -> str:
    return f"${name}" if name.isdigit() else f":{name}"
