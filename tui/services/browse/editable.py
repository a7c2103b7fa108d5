"""May this relation be edited, and how: its row key, its columns' types and the refusals.

Decided from the catalog and the server (privileges, updatability, read-only,
recovery), never guessed from names; a profile that asks for read-only is
refused here too, even when a pooler dropped the setting on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.db.base import ServerInfo
from tui.db.reader import Source
from tui.profiles import Profile
from tui.services.browse.relation import Column, RelationInfo
from tui.sql import edits as q

JSON_TYPES = ("json", "jsonb")
# pg_relation_is_updatable's bits: 1 << CMD_UPDATE, CMD_INSERT, CMD_DELETE.
_UPDATE, _INSERT, _DELETE = 4, 8, 16


@dataclass(frozen=True)
class EditColumn:
    """One column as an edit sees it: its type to cast typed text to, and the role's rights."""

    name: str
    type: str  # as the catalog spells it, with its modifier: "character varying(5)"
    cast_type: str = ""  # the same without modifier; "" (SQLite): sent as it is
    labels: tuple[str, ...] = ()  # an enum's labels, in their order
    can_update: bool = True
    can_insert: bool = True
    server_filled: str = ""  # why the server fills it ("generated", "identity always"), else ""
    nullable: bool = True
    has_default: bool = False
    computed: bool = False  # a view's column made by an expression: not written through the view

    @property
    def is_json(self) -> bool:
        return self.cast_type in JSON_TYPES

    @property
    def choices(self) -> tuple[str, ...]:
        """The values to pick from: an enum's labels, a boolean's two."""
        if self.labels:
            return self.labels
        return ("true", "false") if self.cast_type == "boolean" else ()


@dataclass
class EditTarget:
    """A relation ready for edits, or the reason it is not (`refusal`)."""

    relation: RelationInfo
    dialect: str  # "postgresql" or "sqlite"
    key: list[str] = field(default_factory=list)  # the columns that identify a row ("rowid" on SQLite)
    columns: list[EditColumn] = field(default_factory=list)
    refusal: str = ""  # nothing may be edited, and why
    no_update: str = ""  # per action: why not ("" = allowed)
    no_insert: str = ""
    no_delete: str = ""

    def column(self, name: str) -> EditColumn:
        return next(c for c in self.columns if c.name == name)

    def update_refusal(self, name: str) -> str:
        """Why this column cannot be changed ("" = it can)."""
        if self.refusal or self.no_update:
            return self.refusal or self.no_update
        column = self.column(name)
        if column.server_filled:
            return f"{name} is {column.server_filled}: the server fills it"
        if column.computed:
            return f"{name} is computed by the view: edit the columns it is made from"
        if name in self.key and self.dialect == "sqlite" and name == "rowid":
            return "rowid identifies the row"
        if not column.can_update:
            return f"you may not UPDATE column {name} (no column privilege)"
        return ""

    def action_refusal(self, action: str) -> str:
        """Why "insert", "delete" or "update" is refused here ("" = allowed)."""
        return self.refusal or {"insert": self.no_insert, "delete": self.no_delete, "update": self.no_update}[action]


def _read_only_refusal(profile: Profile, info: ServerInfo) -> str:
    if profile.read_only and not info.read_only:
        return ("this profile asks for read-only and the server does not enforce it "
                "(something in between dropped the setting): bastion refuses every edit")
    if profile.read_only or info.read_only:
        return "read-only: the server refuses writes on this connection (default_transaction_read_only)"
    if info.in_recovery:
        return "a standby (in recovery) accepts no writes: edit on the primary"
    return ""


def _server_filled(column: Column) -> str:
    if column.generated:
        return "generated"
    return "an identity GENERATED ALWAYS" if column.identity == "a" else ""


def edit_target(source: Source, relation: RelationInfo, profile: Profile, info: ServerInfo) -> EditTarget:
    """What may be edited in `relation`, read from the catalog (blocking: call from a worker)."""
    target = EditTarget(relation, source.dialect)
    target.refusal = _read_only_refusal(profile, info)
    if source.dialect == "sqlite":
        _describe_sqlite(target)
        return target
    facts = source.dicts(q.EDIT_RELATION, {"oid": relation.oid})[0]
    columns = {row["name"]: row for row in source.dicts(q.EDIT_COLUMNS, {"oid": relation.oid})}
    target.columns = [
        EditColumn(c.name, c.type, columns[c.name]["cast_type"], tuple(columns[c.name]["labels"] or ()),
                   columns[c.name]["can_update"], columns[c.name]["can_insert"] and columns[c.name]["column_updatable"],
                   _server_filled(c), c.nullable, c.default is not None or bool(c.identity) or bool(c.generated),
                   not columns[c.name]["column_updatable"])
        for c in relation.columns]
    if not target.refusal:
        if facts["default_read_only"]:
            target.refusal = "read-only: the server refuses writes on this connection (default_transaction_read_only)"
        elif facts["in_recovery"]:
            target.refusal = "a standby (in recovery) accepts no writes: edit on the primary"
        else:
            target.refusal = _relation_refusal(relation, facts)
    if relation.key_mode == "key" or relation.kind == "view":
        target.key = list(relation.key)
    who = info.current_user or "this role"
    if not facts["can_update"] and not any(c.can_update for c in target.columns):
        target.no_update = f"{who} may not UPDATE {relation.label}"
    if not facts["can_insert"] and not any(c.can_insert for c in target.columns):
        target.no_insert = f"{who} may not INSERT into {relation.label}"
    if not facts["can_delete"]:
        target.no_delete = f"{who} may not DELETE from {relation.label}"
    # The server's own answer for views (INSTEAD rules and triggers, auto-updatability).
    events, cannot = facts["events"], "the server cannot {} {} (no INSTEAD rule or trigger for it, not auto-updatable)"
    if not events & _UPDATE:
        target.no_update = target.no_update or cannot.format("UPDATE", relation.label)
    if not events & _INSERT:
        target.no_insert = target.no_insert or cannot.format("INSERT into", relation.label)
    if not events & _DELETE:
        target.no_delete = target.no_delete or cannot.format("DELETE from", relation.label)
    return target


def _relation_refusal(relation: RelationInfo, facts: dict[str, object]) -> str:
    kind = facts["relkind"]
    if kind == "v":
        if not facts["events"]:
            return (f"view {relation.label} is not updatable (not auto-updatable, no INSTEAD rules "
                    "or triggers): edit its base table")
        if not relation.key:
            return (f"view {relation.label} has no key that identifies a row (it does not show the "
                    "primary key of one base table): edit its base table")
        return ""
    if kind == "m":
        return f"{relation.label} is a materialized view: REFRESH it, or edit its base tables"
    if relation.key_mode != "key":
        return (f"{relation.label} has no primary key or unique NOT NULL key: "
                "a row cannot be identified safely, so it is not edited here")
    return ""


def _describe_sqlite(target: EditTarget) -> None:
    relation = target.relation
    target.columns = [EditColumn(c.name, c.type, "", (), True, True, _server_filled(c), c.nullable,
                                 c.default is not None) for c in relation.columns]
    if target.refusal:
        return
    if relation.kind == "view":
        target.refusal = f"{relation.name} is a view: edit its table"
    elif not relation.key:
        target.refusal = f"{relation.name} has no key that identifies a row"
    else:
        target.key = list(relation.key)
