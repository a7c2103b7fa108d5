"""Keyset paging: every page is `WHERE (key) > (last seen) ORDER BY key LIMIT n`.

First, next, previous and last page cost the same on a table of any size; a
jump to a position in key order starts from the planner's histogram instead of
an OFFSET. Sorting by a column orders by (column, key) so paging stays stable.
Views (no key) fall back to OFFSET, which the page's note says.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from psycopg import sql

from tui.db.reader import Source
from tui.services.browse.relation import RelationInfo
from tui.sql import browse as q

# Cells are fetched cut to this many characters; the viewer fetches the whole value.
CELL_LIMIT = 500


@dataclass
class Page:
    """One screenful of rows, as display text (None is SQL NULL)."""

    columns: list[str]
    rows: list[list[str | None]]
    keys: list[tuple[Any, ...]]  # the order-key values of each row (for paging and lookups)
    at_start: bool
    at_end: bool
    note: str = ""
    elapsed: float = 0.0
    offset: int | None = None  # OFFSET mode only
    truncated: set[tuple[int, int]] = field(default_factory=set)  # (row, column) cut cells


class KeysetPager:
    """Pages one relation by its key, with an optional sort column and WHERE filter."""

    def __init__(self, source: Source, relation: RelationInfo, page_size: int = 50,
                 sort: str | None = None, descending: bool = False, where: str = "",
                 seek: dict[str, str] | None = None) -> None:
        self.source = source
        self.relation = relation
        self.page_size = max(1, page_size)
        self.sort = sort
        self.descending = descending
        self.where = where.strip()
        self.seek = seek or {}  # column -> text value: an equality filter (FK jumps)
        self.page: Page | None = None

    # ---- the pieces of a query -------------------------------------------------------
    def _ident(self, name: str) -> sql.Composable:
        # ctid/tableoid/rowid are system columns: quoted they would not resolve in SQLite.
        if name in ("ctid", "tableoid", "rowid") and self.relation.key_mode in ("ctid", "rowid"):
            return sql.SQL(name)
        return sql.Identifier(name)

    @property
    def _sort_nullable(self) -> bool:
        return self.sort is not None and self.relation.column(self.sort).nullable

    def _order_exprs(self) -> list[sql.Composable]:
        keys = [self._ident(k) for k in self.relation.key]
        if self.sort and self.sort not in self.relation.key:
            return [sql.Identifier(self.sort), *keys]
        return keys

    def _display(self, column: str) -> sql.Composable:
        ident = sql.Identifier(column)
        if self.source.dialect == "sqlite":
            return sql.SQL(
                "CASE WHEN typeof({c}) = 'blob' THEN 'x''' || substr(hex({c}), 1, {n}) || '''' "
                "ELSE substr(CAST({c} AS TEXT), 1, {n}) END").format(c=ident, n=sql.Literal(CELL_LIMIT + 1))
        # Without a key a cut value could not be fetched whole later: send it whole.
        if self.relation.column(column).numeric or self.relation.key_mode == "offset":
            return sql.SQL("{}::text").format(ident)
        return sql.SQL("left({}::text, {})").format(ident, sql.Literal(CELL_LIMIT + 1))

    def _filters(self, params: dict[str, Any]) -> list[sql.Composable]:
        parts: list[sql.Composable] = []
        if self.where:
            # The user's own expression: it runs in a READ ONLY transaction with a
            # statement timeout, and the extended protocol refuses a second statement.
            text = self.where.replace("%", "%%") if self.source.dialect == "postgresql" else self.where
            parts.append(sql.SQL("({})").format(sql.SQL(text)))
        for i, (column, value) in enumerate(self.seek.items()):
            params[f"seek{i}"] = value
            parts.append(sql.SQL("{} = CAST({} AS {})").format(
                sql.Identifier(column), self.source.param(f"seek{i}"), self._type(column)))
        return parts

    def _type(self, column: str) -> sql.Composable:
        declared = self.relation.column(column).type
        # format_type() output is the catalog's own spelling of a type, safe to splice.
        return sql.SQL(declared if self.source.dialect == "postgresql" else "TEXT")

    def _after(self, boundary: tuple[Any, ...], ascending: bool, inclusive: bool,
               params: dict[str, Any]) -> sql.Composable:
        """Rows after `boundary` in (sort, key) order, NULL sort values last."""
        op = sql.SQL((">" if ascending else "<") + ("=" if inclusive else ""))
        exprs = self._order_exprs()
        names = []
        for i, value in enumerate(boundary):
            params[f"b{i}"] = value
            names.append(self.source.param(f"b{i}"))
        tuple_cmp = sql.SQL("({}) {} ({})").format(sql.SQL(", ").join(exprs), op, sql.SQL(", ").join(names))
        if not (self.sort and self.sort not in self.relation.key and self._sort_nullable):
            return tuple_cmp
        col = sql.Identifier(self.sort)
        key_cmp = sql.SQL("({}) {} ({})").format(sql.SQL(", ").join(exprs[1:]), op, sql.SQL(", ").join(names[1:]))
        if boundary[0] is None:
            template = "({c} IS NULL AND {k})" if ascending else "({c} IS NOT NULL OR {k})"
        else:
            template = "({c} IS NULL OR {t})" if ascending else "({c} IS NOT NULL AND {t})"
        return sql.SQL(template).format(c=col, k=key_cmp, t=tuple_cmp)

    def _select(self, ascending: bool, conditions: list[sql.Composable], params: dict[str, Any],
                limit: int, offset: int | None = None) -> list[tuple[Any, ...]]:
        cols = [self._display(c.name) for c in self.relation.columns]
        exprs = self._order_exprs()
        direction = sql.SQL(" ASC NULLS LAST" if ascending else " DESC NULLS FIRST")
        query = sql.SQL("SELECT {cols} FROM {rel}").format(
            cols=sql.SQL(", ").join(cols + exprs), rel=self.relation.identifier)
        if conditions:
            query += sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions)
        if exprs:
            # By position: a display column and a key column may share a name.
            first = len(cols) + 1
            query += sql.SQL(" ORDER BY ") + sql.SQL(", ").join(
                sql.Literal(first + i) + direction for i in range(len(exprs)))
        query += sql.SQL(" LIMIT {}").format(sql.Literal(limit))
        if offset:
            query += sql.SQL(" OFFSET {}").format(sql.Literal(offset))
        return self.source.rows(query, params)

    def _fetch(self, boundary: tuple[Any, ...] | None, forward: bool, inclusive: bool = False,
               extra: list[sql.Composable] | None = None, extra_params: dict[str, Any] | None = None
               ) -> tuple[list[tuple[Any, ...]], bool]:
        """Up to page_size rows in display order, and whether more lie beyond."""
        params: dict[str, Any] = dict(extra_params or {})
        conditions = self._filters(params) + (extra or [])
        ascending = forward != self.descending
        if boundary is not None:
            conditions.append(self._after(boundary, ascending, inclusive, params))
        rows = self._select(ascending, conditions, params, self.page_size + 1)
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        return (rows if forward else rows[::-1]), more

    def _make_page(self, rows: list[tuple[Any, ...]], at_start: bool, at_end: bool,
                   started: float, offset: int | None = None) -> Page:
        width = len(self.relation.columns)
        truncated = {(r, c) for r, row in enumerate(rows) for c, v in enumerate(row[:width])
                     if isinstance(v, str) and len(v) > CELL_LIMIT}
        page = Page([c.name for c in self.relation.columns],
                    [[v[:CELL_LIMIT] if isinstance(v, str) else v for v in row[:width]] for row in rows],
                    [tuple(row[width:]) for row in rows], at_start, at_end, self.relation.note,
                    time.perf_counter() - started, offset, truncated)
        self.page = page
        return page

    # ---- navigation ------------------------------------------------------------------
    def first(self) -> Page:
        started = time.perf_counter()
        if self.relation.key_mode == "offset":
            return self._offset_page(0, started)
        rows, more = self._fetch(None, forward=True)
        return self._make_page(rows, True, not more, started)

    def last(self) -> Page:
        started = time.perf_counter()
        if self.relation.key_mode == "offset":
            total = self.source.rows(sql.SQL("SELECT count(*) FROM {}").format(self.relation.identifier))[0][0]
            return self._offset_page(max(0, total - self.page_size), started)
        rows, more = self._fetch(None, forward=False)
        return self._make_page(rows, not more, True, started)

    def next(self) -> Page:
        page = self.page or self.first()
        if page.at_end or not page.rows:
            return page
        started = time.perf_counter()
        if page.offset is not None:
            return self._offset_page(page.offset + len(page.rows), started)
        rows, more = self._fetch(page.keys[-1], forward=True)
        if not rows:
            page.at_end = True
            return page
        return self._make_page(rows, False, not more, started)

    def previous(self) -> Page:
        page = self.page or self.first()
        if page.at_start or not page.rows:
            return page
        started = time.perf_counter()
        if page.offset is not None:
            return self._offset_page(max(0, page.offset - self.page_size), started)
        rows, more = self._fetch(page.keys[0], forward=False)
        if not rows:
            page.at_start = True
            return page
        return self._make_page(rows, not more, False, started)

    def starting_at(self, boundary: tuple[Any, ...]) -> Page:
        """The page whose first row is `boundary` (or the next after it)."""
        started = time.perf_counter()
        rows, more = self._fetch(boundary, forward=True, inclusive=True)
        return self._make_page(rows, False, not more, started)

    def at_fraction(self, fraction: float) -> Page:
        """The page at `fraction` (0..1) of the order, from the histogram of its
        leading column (one index probe); OFFSET on the key alone without stats."""
        fraction = min(1.0, max(0.0, fraction))
        if self.relation.key_mode == "offset" or not self.relation.key or self.relation.key_mode == "ctid":
            return self.first() if fraction == 0 else self._approximate_offset(fraction)
        started = time.perf_counter()
        lead = self.sort if self.sort and self.sort not in self.relation.key else self.relation.key[0]
        value = self._histogram_value(lead, fraction if not self.descending else 1 - fraction)
        if value is None:
            return self._approximate_offset(fraction)
        params = {"lead": value}
        op = "<=" if self.descending else ">="
        condition = sql.SQL("{} {} {}").format(sql.Identifier(lead), sql.SQL(op), self.source.param("lead"))
        rows, more = self._fetch(None, forward=True, extra=[condition], extra_params=params)
        return self._make_page(rows, fraction == 0, not more, started)

    def _histogram_value(self, column: str, fraction: float) -> Any:
        if self.source.dialect != "postgresql" or self.where or self.seek:
            return None
        query = sql.SQL(
            "SELECT b[greatest(1, round(array_length(b, 1) * {f})::int)] "
            "FROM (SELECT bounds::{t}[] AS b FROM ({h}) h) s").format(
            f=sql.Literal(fraction), t=self._type(column), h=sql.SQL(q.HISTOGRAM_BOUNDS))
        rows = self.source.rows(query, {"oid": self.relation.oid, "column": column})
        return rows[0][0] if rows else None

    def _approximate_offset(self, fraction: float) -> Page:
        started = time.perf_counter()
        estimate = max(self.relation.estimate or 0, 0)
        return self._offset_page(int(estimate * fraction), started, keyed=self.relation.key_mode != "offset")

    def _offset_page(self, offset: int, started: float, keyed: bool = False) -> Page:
        params: dict[str, Any] = {}
        rows = self._select(not self.descending, self._filters(params), params, self.page_size + 1, offset)
        more = len(rows) > self.page_size
        page = self._make_page(rows[: self.page_size], offset == 0, not more, started,
                               None if keyed else offset)
        return page
