"""What Browse copies: the page's rows, with the cells cut for the grid read again."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.db.reader import Source
from tui.services.browse.keyset import Page
from tui.services.browse.relation import RelationInfo
from tui.services.browse.rows import full_row
from tui.services.copy_formats import CopySource


def relation_copy_source(relation: RelationInfo, dialect: str) -> CopySource:
    """The relation's columns for the copy formats: INSERTs go into its own name,
    with PostgreSQL's casts to each column's type."""
    types = [c.type if dialect == "postgresql" else "" for c in relation.columns]
    boolean = ["boolean" if dialect == "postgresql" and c.category == "B" else t
               for c, t in zip(relation.columns, types, strict=True)]
    return CopySource([c.name for c in relation.columns], [c.numeric for c in relation.columns], boolean,
                      (relation.schema, relation.name), dialect)


def rows_cut(page: Page, rows: Iterable[int], columns: Iterable[int]) -> list[int]:
    """The rows among `rows` with a cell of `columns` cut for the grid."""
    wanted = set(columns)
    return [r for r in rows if any((r, c) in page.truncated for c in wanted)]


def read_full_rows(source: Source, relation: RelationInfo,
                   keys: list[tuple[Any, ...]]) -> list[list[str | None] | None]:
    """Each keyed row uncut (None: gone since). One read per row: a page is a screenful."""
    return [full_row(source, relation, key) for key in keys]


def page_rows_with(page: Page, fetched: dict[int, list[str | None] | None]) -> list[list[str | None]]:
    """The page's rows, the ones read again replaced by their uncut values."""
    return [fetched.get(i) or row for i, row in enumerate(page.rows)]
