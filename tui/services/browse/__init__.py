"""What the Browse tab needs, with no Textual: keyset paging, structure, stats, copying,
staged edits (edits, editable, edit_sql, edit_apply).

The queries run on a reader from tui.db.reader (one read-only connection per pane).
"""

from tui.services.browse.keyset import CELL_LIMIT, KeysetPager, Page
from tui.services.browse.relation import Column, RelationInfo, describe_relation
from tui.services.browse.rows import full_row, jump_target, row_as_insert, row_as_json
from tui.services.browse.stats import Stats, load_stats
from tui.services.browse.structure import ForeignKey, Structure, foreign_keys, load_structure

__all__ = [
    "CELL_LIMIT", "Column", "ForeignKey", "KeysetPager", "Page", "RelationInfo", "Stats",
    "Structure", "describe_relation", "foreign_keys", "full_row", "jump_target", "load_stats",
    "load_structure", "row_as_insert", "row_as_json",
]
