"""A relation opened for edits, as the Browse edit tests drive it (service level)."""

from __future__ import annotations

from tui.db import Database
from tui.db.reader import Source, source_for
from tui.services.browse import KeysetPager, describe_relation
from tui.services.browse.edit_apply import ChangeWriter
from tui.services.browse.editable import EditTarget, edit_target
from tui.services.browse.edits import ChangeSet, SeenRow, seen_on_page


class Editing:
    """One relation opened for edits: its first page, a change set, a writer."""

    def __init__(self, database: Database, name: str, schema: str | None = "public") -> None:
        self.database = database
        self.reader: Source = source_for(database)
        self.relation = describe_relation(self.reader, schema, name)
        self.page = KeysetPager(self.reader, self.relation, 50).first()
        self.target: EditTarget = edit_target(self.reader, self.relation, database.profile, database.info)
        self.changes = ChangeSet(self.target)
        self.writer = ChangeWriter(database, self.reader)

    def row(self, index: int) -> SeenRow:
        return seen_on_page(self.page, index, len(self.target.key))

    def apply(self) -> str:
        return self.writer.apply(self.changes).summary()
