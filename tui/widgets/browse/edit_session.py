"""Browse's staged edits: the keys' intent turned into a change set, checked, reviewed, applied.

Shows nothing itself (the grid draws the overlay, the changes bar counts): it
holds one ChangeSet per relation, asks the catalog what may be edited, opens the
cell editor and the review, and runs the server's checks and the save in
named workers that post typed messages (the pane redraws on `Changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import work
from textual.message import Message
from textual.widget import Widget

from tui.db.base import Database
from tui.db.reader import Source
from tui.messages import ConnectionLost
from tui.profiles import Profile
from tui.services.browse import Page, RelationInfo, full_row
from tui.services.browse.edit_apply import Applied, ApplyFailed, ChangeWriter, check_value
from tui.services.browse.edit_sql import Statement, bytea_refusal, change_statements, sql_preview
from tui.services.browse.editable import EditTarget, edit_target
from tui.services.browse.edits import (
    DEFAULT,
    CellValue,
    ChangeSet,
    InsertedRef,
    Overlay,
    RowRef,
    page_overlay,
    seen_on_page,
)
from tui.widgets.browse.cell_editor import CellEditor, EditedValue
from tui.widgets.browse.changes_review import ChangesReview
from tui.widgets.browse.edit_request import EditRequest
from tui.widgets.dialogs.confirm import ConfirmScreen
from tui.widgets.dialogs.message import MessageScreen


class EditSession(Widget):
    """One change set per relation, and every step from a key to a commit."""

    DEFAULT_CSS = "EditSession { display: none; }"

    @dataclass
    class Changed(Message):
        """The staged set changed: redraw (the cursor to `cursor_row` when given)."""

        cursor_row: int | None = None

    @dataclass
    class Refused(Message):
        """An edit was refused, with the reason (read-only, no key, privileges...)."""

        reason: str

    @dataclass
    class Committed(Message):
        """A change set was committed: the page is read again."""

        summary: str

    @dataclass
    class _TargetRead(Message):
        request: EditRequest
        target: EditTarget | None
        error: str = ""

    @dataclass
    class _RowRead(Message):
        request: EditRequest
        values: list[str | None] | None
        error: str = ""

    @dataclass
    class _ValueChecked(Message):
        label: str
        ref: RowRef
        column: str
        text: str
        error: str

    @dataclass
    class _PreviewReady(Message):
        changes: ChangeSet
        statements: list[Statement]
        preview: str

    @dataclass
    class _Saved(Message):
        label: str
        applied: Applied | None
        failure: ApplyFailed | None = None

    def __init__(self, database: Database, profile: Profile, source: Source) -> None:
        super().__init__()
        self.profile = profile
        self.source = source
        self.writer = ChangeWriter(database, source)
        self.targets: dict[str, EditTarget] = {}
        self.change_sets: dict[str, ChangeSet] = {}
        self.saving = False

    # ---- what the pane draws --------------------------------------------------------------
    def overlay(self, relation: RelationInfo, page: Page) -> Overlay | None:
        changes = self.change_sets.get(relation.label)
        return page_overlay(changes, page) if changes is not None and not changes.empty else None

    def bar_text(self, relation: RelationInfo | None) -> str:
        """"3 changes: 2 edited, 1 deleted — ^s review · …" (^s: ctrl+s, as the footer writes it), or ""."""
        changes = self.change_sets.get(relation.label) if relation else None
        if changes is None or (changes.empty and not self.saving):
            return ""
        refused = f" · {len(changes.errors)} refused by the server (red)" if changes.errors else ""
        if self.saving:
            return f"{changes.summary()} — saving… (esc cancels)"
        return f"{changes.summary()}{refused} — ^s review · ^z undo · X discard"

    def staged_summary(self) -> str:
        """What is staged and not sent, across relations ("" when nothing is)."""
        staged = [f"{label}: {changes.summary()}" for label, changes in self.change_sets.items() if not changes.empty]
        return "; ".join(staged)

    def leave_after_asking(self, leaving: str, then: Callable[[], None]) -> None:
        """`then` at once, or once the user agreed to drop the staged edits (never sent)."""
        staged = self.staged_summary()
        if not staged:
            then()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(f"{leaving}: drop the staged edits?",
                                           f"Browse has edits that were never sent ({staged}). y drops them; "
                                           "n/esc stays (ctrl+s in Browse applies them)."), answered)

    # ---- keys -------------------------------------------------------------------------------
    def request(self, request: EditRequest) -> None:
        """Do what a key asked, reading what may be edited first if need be."""
        if self.saving:
            self.notify("saving… (esc cancels)", timeout=2)
            return
        target = self.targets.get(request.relation.label)
        if target is None:
            self._read_target(request)
            return
        changes = self.change_sets.setdefault(request.relation.label, ChangeSet(target))
        try:
            self._act(request, target, changes)
        except ValueError as refusal:
            self.post_message(self.Refused(str(refusal)))

    def _act(self, request: EditRequest, target: EditTarget, changes: ChangeSet) -> None:
        action, page = request.action, request.page
        if action == "undo":
            if changes.undo():
                self.post_message(self.Changed())
            else:
                self.notify("nothing to undo", timeout=2)
        elif action == "discard":
            self._discard(changes)
        elif action == "review":
            self._review(changes)
        elif action == "insert":
            index = changes.insert_row()
            self.post_message(self.Changed(len(page.rows) + index))
        elif not page.columns or (not request.existing and request.inserted >= len(changes.inserts)):
            return
        elif action == "delete":
            if request.existing:
                changes.toggle_delete(seen_on_page(page, request.row, len(target.key)))
            else:
                changes.drop_insert(request.inserted)
            self.post_message(self.Changed())
        elif action == "duplicate":
            if not request.existing:
                index = changes.insert_row(dict(changes.inserts[request.inserted].cells), duplicated=True)
                self.post_message(self.Changed(len(page.rows) + index))
            elif any((request.row, c) in page.truncated for c in range(len(page.columns))):
                self._read_row(request)
            else:
                self._duplicate(request, changes, list(page.rows[request.row]))
        elif action == "cell":
            self._edit_cell(request, target, changes)

    def _edit_cell(self, request: EditRequest, target: EditTarget, changes: ChangeSet) -> None:
        name = request.page.columns[request.column]
        if request.existing:
            refusal = target.update_refusal(name)
            ref: RowRef = seen_on_page(request.page, request.row, len(target.key)).key
        else:
            refusal = target.action_refusal("insert")
            column = target.column(name)
            if not refusal and column.server_filled:
                refusal = f"{name} is {column.server_filled}: the server fills it"
            elif not refusal and not column.can_insert:
                refusal = f"you may not INSERT column {name} (no column privilege)"
            ref = InsertedRef(request.inserted)
        if refusal:
            raise ValueError(refusal)
        staged, value = changes.staged_value(ref, name)
        if staged:
            self._open_editor(request, value)
        elif not request.existing:
            self._open_editor(request, DEFAULT)
        elif (request.row, request.column) in request.page.truncated:
            self._read_row(request)  # the grid holds a cut value: edit the whole one
        else:
            self._open_editor(request, request.page.rows[request.row][request.column])

    def _open_editor(self, request: EditRequest, value: CellValue) -> None:
        changes = self.change_sets[request.relation.label]
        name = request.page.columns[request.column]
        column = changes.target.column(name)

        def stage(result: EditedValue | None) -> None:
            if result is None:
                return
            try:
                if request.existing:
                    seen = seen_on_page(request.page, request.row, len(changes.target.key))
                    changes.edit_cell(seen, name, result.value)
                    ref: RowRef = seen.key
                else:
                    changes.edit_inserted(request.inserted, name, result.value)
                    ref = InsertedRef(request.inserted)
            except (ValueError, IndexError) as exc:
                self.post_message(self.Refused(str(exc)))
                return
            self.post_message(self.Changed())
            if isinstance(result.value, str):
                self._check_value(request.relation.label, ref, name, result.value)

        self.app.push_screen(CellEditor(f"{request.relation.label}.{name}", column, value), stage)

    def _duplicate(self, request: EditRequest, changes: ChangeSet, values: list[str | None]) -> None:
        index = changes.duplicate_row(values)
        self.post_message(self.Changed(len(request.page.rows) + index))

    def _discard(self, changes: ChangeSet) -> None:
        if changes.empty:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                changes.discard()
                self.post_message(self.Changed())

        self.app.push_screen(ConfirmScreen("Discard the staged changes?",
                                           f"{changes.summary()}; nothing was sent to the database. "
                                           "ctrl+z brings them back."), answered)

    def _review(self, changes: ChangeSet) -> None:
        if changes.empty:
            self.notify("nothing staged: e edits a cell, i inserts a row, d marks a row for deletion", timeout=4)
            return
        self._build_preview(changes)

    @work(thread=True, exclusive=True, group="browse-edit-preview", exit_on_error=False)
    def _build_preview(self, changes: ChangeSet) -> None:
        """The review's SQL: composing a thousand statements takes a while, not on the UI thread."""
        statements = change_statements(changes)  # what the review shows is what runs
        self.post_message(self._PreviewReady(changes, statements, sql_preview(changes, statements)))

    def on_edit_session__preview_ready(self, message: _PreviewReady) -> None:
        message.stop()
        changes = message.changes
        label = changes.target.relation.label

        def answered(yes: bool | None) -> None:
            if yes and not self.saving:
                self.saving = True
                self.post_message(self.Changed())
                self._save(label, changes, message.statements)

        production = self.profile.name if self.profile.production else None
        title = f"Apply {changes.summary()} to {label} in one transaction?"
        if changes.errors:
            title += f" ({len(changes.errors)} value(s) in red were refused by the server: it will fail)"
        self.app.push_screen(ChangesReview(title, message.preview, production), answered)

    def cancel_save(self) -> None:
        """esc while saving: cancel the running statement on the server (all is rolled back)."""
        self.writer.cancel()

    # ---- workers: the catalog, a row, a value, the save ---------------------------------------
    @work(thread=True, group="browse-edit", exit_on_error=False)
    def _read_target(self, request: EditRequest) -> None:
        """What may be edited in the relation (the catalog and the server decide)."""
        try:
            target = edit_target(self.source, request.relation, self.profile, self.writer.database.info)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self.post_message(self._TargetRead(request, None, str(exc)))
        else:
            self.post_message(self._TargetRead(request, target))

    def on_edit_session__target_read(self, message: _TargetRead) -> None:
        message.stop()
        if message.target is None:
            self.post_message(self.Refused(f"could not read what may be edited: {message.error}"))
            return
        self.targets[message.request.relation.label] = message.target
        self.request(message.request)

    @work(thread=True, group="browse-edit", exit_on_error=False)
    def _read_row(self, request: EditRequest) -> None:
        """The row in full: its cells were cut on the page."""
        try:
            key = request.page.keys[request.row]
            values = full_row(self.source, request.relation, key)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self.post_message(self._RowRead(request, None, str(exc)))
        else:
            self.post_message(self._RowRead(request, values, "" if values else "the row no longer exists"))

    def on_edit_session__row_read(self, message: _RowRead) -> None:
        message.stop()
        request, values = message.request, message.values
        changes = self.change_sets.get(request.relation.label)
        if values is None or changes is None:
            self.post_message(self.Refused(message.error))
        elif request.action == "duplicate":
            try:
                self._duplicate(request, changes, values)
            except ValueError as refusal:
                self.post_message(self.Refused(str(refusal)))
        else:
            self._open_editor(request, values[request.column])

    @work(thread=True, group="browse-edit-check", exit_on_error=False)
    def _check_value(self, label: str, ref: RowRef, column: str, text: str) -> None:
        """Does the server parse the value as the column's type? (a cast in a read-only transaction)"""
        changes = self.change_sets[label]
        try:
            target_column = changes.target.column(column)
            error = bytea_refusal(target_column, text) or check_value(self.source, target_column, text)
        except Exception:  # noqa: BLE001 - a check that could not run refuses nothing; the save will tell
            error = ""
        self.post_message(self._ValueChecked(label, ref, column, text, error))

    def on_edit_session__value_checked(self, message: _ValueChecked) -> None:
        message.stop()
        changes = self.change_sets.get(message.label)
        if changes is None or not message.error:
            return
        if changes.staged_value(message.ref, message.column) != (True, message.text):
            return  # changed (or undone) meanwhile: this answer is about another value
        changes.errors[(message.ref, message.column)] = message.error
        self.post_message(self.Changed())  # redraws, and resets the status line: the refusal after it
        self.post_message(self.Refused(f"{message.column}: {message.error}"))

    @work(thread=True, group="browse-edit-save", exit_on_error=False)
    def _save(self, label: str, changes: ChangeSet, statements: list[Statement]) -> None:
        """The reviewed statements in one transaction (tui.services.browse.edit_apply)."""
        try:
            applied = self.writer.apply(changes, statements)
        except ApplyFailed as failure:
            self.post_message(self._Saved(label, None, failure))
        except Exception as exc:  # noqa: BLE001 - shown to the user, never crashes the app
            self.post_message(self._Saved(label, None, ApplyFailed(f"{type(exc).__name__}: {exc}")))
        else:
            self.post_message(self._Saved(label, applied))

    def on_edit_session__saved(self, message: _Saved) -> None:
        message.stop()
        self.saving = False
        changes = self.change_sets.get(message.label)
        failure = message.failure
        if failure is None and changes is not None and message.applied is not None:
            changes.applied()
            self.post_message(self.Committed(message.applied.summary()))
            return
        assert failure is not None
        if changes is not None and failure.statement is not None and failure.column:
            changes.errors[(failure.statement.ref, failure.column)] = failure.message
        if failure.connection_lost:
            self.post_message(ConnectionLost(failure.message))
        title = "Outcome unknown" if failure.outcome_unknown else "Nothing was applied"
        self.post_message(self.Changed())
        self.app.push_screen(MessageScreen(title, failure.message + "\n\nThe changes are still staged.", error=True))

