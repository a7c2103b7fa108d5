"""The Query pane's saved queries: save, pick, ask for parameters; file and
database work in workers. Shows nothing itself; opens or runs a query on the pane."""

from __future__ import annotations

from textual import on, work
from textual.message import Message
from textual.widget import Widget

from tui.db.base import Database
from tui.db.roles import COMPLETION
from tui.profiles import Profile
from tui.services.query.splitter import Statement
from tui.services.saved.files import SavedFileError, SavedQuery
from tui.services.saved.library import SavedLibrary
from tui.services.saved.params import ParameterError, bound_statement, describe_parameters, parameter_names
from tui.widgets.query.host import QueryHost
from tui.widgets.query.params_dialog import ParamsScreen
from tui.widgets.query.saved_dialog import SaveQueryScreen
from tui.widgets.query.saved_picker import SavedPickerScreen


class SavedQueries(Widget):
    """Saved queries for one profile (project file, profile file, health pack)."""

    DEFAULT_CSS = "SavedQueries { display: none; }"

    class OpenInTab(Message):
        """Put this text in a new editor tab."""

        def __init__(self, sql: str) -> None:
            super().__init__()
            self.sql = sql

    class RunStatement(Message):
        """Run this statement (its parameters bound) now."""

        def __init__(self, statement: Statement, title: str) -> None:
            super().__init__()
            self.statement, self.title = statement, title

    class Loaded(Message):
        def __init__(self, library: SavedLibrary, then: str) -> None:
            super().__init__()
            self.library, self.then = library, then

    class TypesKnown(Message):
        def __init__(self, query: SavedQuery, types: dict[str, str], remembered: dict[str, str],
                     error: str | None) -> None:
            super().__init__()
            self.query, self.types, self.remembered, self.error = query, types, remembered, error

    class Saved(Message):
        def __init__(self, text: str, error: bool = False) -> None:
            super().__init__()
            self.text, self.error = text, error

    def __init__(self, database: Database, profile: Profile, host: QueryHost) -> None:
        super().__init__()
        self.database, self.profile, self.host = database, profile, host
        self.library: SavedLibrary | None = None

    @property
    def sqlite(self) -> bool:
        return self.database.info.kind == "sqlite"

    # -- what the pane does with them --------------------------------------------------
    def save_from_editor(self) -> None:
        """ctrl+s: save the selected statements (or the one at the cursor)."""
        tabs = self.host.editor_tabs
        self.host.after_typed_keys(lambda: self.save(";\n".join(s.text for s in tabs.selected_or_current())))

    @on(OpenInTab)
    def _open_in_tab(self, message: OpenInTab) -> None:
        self.host.editor_tabs.new_tab()
        self.host.editor_tabs.buffers[-1] = message.sql  # loaded into the editor as the new tab activates

    @on(RunStatement)
    def _run(self, message: RunStatement) -> None:
        self.host.show_message(f"Saved query {message.title}", "dim")
        self.host.run_statements([message.statement])

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        self.app.notify(message.text, severity="error" if message.error else "information")

    # -- save ------------------------------------------------------------------------
    def save(self, sql: str) -> None:
        """Ask for a name and description, then save `sql`."""
        if not sql.strip():
            self.app.notify("Nothing to save: type a statement (or select one) first.")
            return

        def chosen(answer: tuple[SavedQuery, str] | None) -> None:
            if answer is not None:
                self._write(*answer)

        self.app.push_screen(SaveQueryScreen(sql), chosen)

    @work(thread=True, group="saved-queries", exit_on_error=False)
    def _write(self, query: SavedQuery, scope: str) -> None:
        library = self._library()
        try:
            path = library.save(query, scope)
        except (OSError, SavedFileError, ValueError) as exc:
            self.post_message(self.Saved(f"Not saved: {exc}", error=True))
            return
        self.post_message(self.Saved(f"Saved '{query.name}' in {path}"))

    # -- pick --------------------------------------------------------------------------
    def open_picker(self) -> None:
        """Read the files again (a teammate may have changed them), then show the picker."""
        self._load("picker")

    def open(self, name: str, how: str) -> None:
        """Open (`how`: "tab") or run ("run") the saved query of that name."""
        self._load(f"{how}:{name}")

    @work(thread=True, group="saved-queries", exit_on_error=False)
    def _load(self, then: str) -> None:
        self.post_message(self.Loaded(self._library(reload=True), then))

    def _library(self, reload: bool = False) -> SavedLibrary:
        if self.library is None:
            self.library = SavedLibrary.load(self.profile.name, with_health=not self.sqlite)
        elif reload:
            self.library.reload()
        return self.library

    def on_saved_queries_loaded(self, message: Loaded) -> None:
        library = message.library
        version = self.database.info.version_num
        queries = [q for q in library.queries() if q.runs_on(version)]
        if message.then == "picker":
            def chosen(answer: tuple[SavedQuery, str] | None) -> None:
                if answer is not None:
                    self.use(*answer)

            self.app.push_screen(SavedPickerScreen(queries, library.problems), chosen)
            return
        how, _, name = message.then.partition(":")
        query = next((q for q in queries if q.name == name), None)
        if query is None:
            self.app.notify(f"No saved query named '{name}' any more.", severity="warning")
        else:
            self.use(query, how)

    def use(self, query: SavedQuery, how: str) -> None:
        """Open the query in a new tab, or run it (asking for its parameters first)."""
        if how == "tab":
            self.post_message(self.OpenInTab(query.sql.rstrip().rstrip(";") + ";"))
        elif parameter_names(query.sql):
            self._describe(query)
        else:
            self._post_run(query, {})

    # -- parameters --------------------------------------------------------------------
    @work(thread=True, group="saved-queries", exit_on_error=False)
    def _describe(self, query: SavedQuery) -> None:
        """The parameters' types as PostgreSQL infers them (SQLite: unknown)."""
        names = parameter_names(query.sql)
        types = dict.fromkeys(names, "")
        error = None
        if not self.sqlite:
            try:
                conn = self.database.connect(COMPLETION)
                try:
                    types |= describe_parameters(conn, query.sql)
                finally:
                    conn.close()
            except Exception as exc:  # noqa: BLE001 - shown; the prompt still opens
                error = str(getattr(getattr(exc, "diag", None), "message_primary", None) or exc).strip()
        remembered = self._library().remembered_values(query)
        self.post_message(self.TypesKnown(query, types, remembered, error))

    def on_saved_queries_types_known(self, message: TypesKnown) -> None:
        if message.error:
            self.app.notify(f"The server cannot prepare '{message.query.name}': {message.error}",
                            severity="error", timeout=10)
            return

        def answered(values: dict[str, str | None] | None) -> None:
            if values is not None:
                self._remember(message.query, values)
                self._post_run(message.query, values)

        self.app.push_screen(ParamsScreen(message.query.name, message.types, message.remembered), answered)

    @work(thread=True, group="saved-queries-memory", exit_on_error=False)
    def _remember(self, query: SavedQuery, values: dict[str, str | None]) -> None:
        try:
            self._library().remember_values(query, values)
        except OSError:
            pass  # remembering is a convenience: the run goes on

    def _post_run(self, query: SavedQuery, values: dict[str, str | None]) -> None:
        try:
            if parameter_names(query.sql):
                statement: Statement = bound_statement(query.sql, values, sqlite=self.sqlite)
            else:
                from tui.services.query.splitter import split_statements

                statements = split_statements(query.sql)
                if len(statements) != 1:
                    self.post_message(self.OpenInTab(query.sql))  # several statements: the editor runs them
                    return
                statement = statements[0]
        except ParameterError as exc:
            self.app.notify(str(exc), severity="error")
            return
        self.post_message(self.RunStatement(statement, query.name))
