"""`bastion query PROFILE (SQL | -f FILE | --saved NAME) [--param k=v …] [--format …]`:
run SQL from a script with the profile's keyring password, tunnel, TLS, read-only
and production rules, and stream the rows to stdout.

Exit codes: 0 ok, 1 an SQL error (or a write refused on production), 2 a
connection or usage error. Messages go to stderr; no password is ever printed.
"""

from __future__ import annotations

import argparse
import getpass
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from tui.commands.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError
from tui.commands.profiles import add_profiles_option, get_profile
from tui.commands.query_output import FORMATS, OutputColumn, ResultWriter, writer_for
from tui.profiles import Profile, ProfileStore
from tui.services.query.classify import can_stream, first_keyword, transaction_control
from tui.services.query.guard import UNTRIED_FIRST, acting_functions, client_stream_refusal
from tui.services.query.splitter import Statement, split_statements
from tui.services.saved.files import SavedQuery
from tui.services.saved.params import ParameterError, bind, parameter_names, parse_assignments

BATCH = 5000
MAX_SQL_FILE = 64 * 1024 * 1024
# A read-only trial refusing a write; or a statement that cannot run in a transaction block.
WRITE_REFUSED = {"25006", "25001", "2D000"}
_cursor_names = itertools.count(1)


class StatementFailed(Exception):
    """An SQL error or a refused statement: the message for stderr, exit code 1 (2 if
    the connection was lost)."""

    def __init__(self, message: str, code: int = EXIT_ERROR, sqlstate: str | None = None):
        super().__init__(message)
        self.code = code
        self.sqlstate = sqlstate  # the server's, when the server refused it


def query_parser() -> argparse.ArgumentParser:
    """The options of `bastion query`."""
    parser = argparse.ArgumentParser(
        prog="bastion query",
        description="Run SQL on a profile's database and print the rows (streamed). Exit code 0 ok, "
                    "1 SQL error or refused write, 2 connection or usage error.")
    parser.add_argument("profile", metavar="PROFILE", help="a profile name")
    parser.add_argument("sql", nargs="?", metavar="SQL", help="the statement(s) to run")
    parser.add_argument("-f", "--file", metavar="FILE", help="read the SQL from FILE ('-': stdin)")
    parser.add_argument("--saved", metavar="NAME",
                        help="run a saved query (./bastion-queries.sql, the profile's, or health.*)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a value for :NAME (or 1=VALUE for $1), sent as a bound parameter; repeatable")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (psql's aligned, default), csv (psql --csv), tsv, json or markdown")
    parser.add_argument("--confirm", metavar="PROFILE",
                        help="on a production profile, allow writes: the profile's name, typed again")
    parser.add_argument("--read-only", action="store_true", help="read-only, enforced by the server")
    add_profiles_option(parser)
    return parser


@dataclass(frozen=True)
class Policy:
    """What the profile allows this run."""

    profile_name: str
    production: bool
    confirmed: bool  # --confirm PROFILE given on a production profile
    read_only_unenforced: bool = False  # the server dropped the read-only startup option (a pooler)
    read_only: bool = False  # the profile is read-only (SQLite: PRAGMA query_only stays on)

    @property
    def tried(self) -> bool:
        # Read-only profiles too: a user's BEGIN READ WRITE or SET default_transaction_read_only
        # would lift the startup option; a trial's READ ONLY transaction cannot be lifted.
        return self.production or self.read_only_unenforced or self.read_only

    @property
    def refuses_writes(self) -> bool:
        return self.read_only or self.read_only_unenforced


def read_source(args: argparse.Namespace, profile: Profile, stdin: TextIO) -> tuple[str, SavedQuery | None]:
    """The SQL to run, from exactly one of SQL, -f FILE, --saved NAME (and then the
    saved query it comes from)."""
    given = [name for name, value in (("SQL", args.sql), ("-f", args.file), ("--saved", args.saved)) if value]
    if len(given) != 1:
        raise CliError("give the SQL one way: an SQL argument, -f FILE or --saved NAME", EXIT_USAGE)
    if args.sql:
        return str(args.sql), None
    if args.file:
        if args.file == "-":
            try:
                return stdin.read(), None
            except UnicodeDecodeError as exc:
                raise CliError(f"standard input: not UTF-8 ({exc.reason} at byte {exc.start})", EXIT_USAGE) from None
        path = Path(args.file)
        try:
            if path.stat().st_size > MAX_SQL_FILE:
                raise CliError(f"{path}: larger than {MAX_SQL_FILE // 1024 // 1024} MB", EXIT_USAGE)
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{path}: {getattr(exc, 'strerror', None) or exc}", EXIT_USAGE) from None
    from tui.services.saved.library import SavedLibrary

    library = SavedLibrary.load(profile.name)
    try:
        saved = library.find(args.saved)
    except KeyError as exc:
        raise CliError(str(exc.args[0]), EXIT_USAGE) from None
    return saved.sql, saved


def connect(profile: Profile, stdin: TextIO) -> Any:
    """The profile's database (keyring password; asked on a terminal when needed)."""
    from tui.db import ConnectFailure
    from tui.secrets import PasswordVault
    from tui.services.connect import connect_first_try, connect_with_password

    vault = PasswordVault()
    try:
        return connect_first_try(profile, vault).database
    except ConnectFailure as failure:
        if not (failure.wants_password and stdin.isatty()):
            hint = (f"\nStore it once with `bastion profiles set-password {profile.name}`."
                    if failure.wants_password else "")
            raise CliError(f"{profile.name}: {failure}{hint}", EXIT_USAGE) from None
    password = getpass.getpass(f"Password for {profile.target()}: ")
    try:
        return connect_with_password(profile, vault, password).database
    except ConnectFailure as failure:
        raise CliError(f"{profile.name}: {failure}", EXIT_USAGE) from None


def run_query(argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Run `bastion query …`; returns the exit code."""
    import psycopg

    from tui.db.roles import CLI_QUERY
    from tui.services.query.standby import standby_hint
    from tui.services.saved.health import why_not_here

    args = query_parser().parse_args(argv)
    store = ProfileStore(args.profiles).load()
    try:
        profile = get_profile(store, args.profile)
    except CliError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if not profile.is_sqlite and (profile.database or "").lower() == "pgbouncer":
        raise CliError(f"{profile.name}: PgBouncer's admin console takes SHOW commands, not queries "
                       "(use psql)", EXIT_USAGE)
    if args.read_only:
        profile = profile.with_changes(read_only=True)
    if args.confirm is not None and args.confirm != profile.name:
        raise CliError(f"--confirm {args.confirm!r} is not the profile's name ({profile.name})", EXIT_USAGE)
    try:
        values = parse_assignments(args.param)
    except ParameterError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    sql, saved = read_source(args, profile, stdin)
    statements = split_statements(sql)
    if not statements:
        raise CliError("no SQL statement to run", EXIT_USAGE)
    metas = [s.meta for s in statements if s.meta]
    if metas:
        raise CliError(f"psql meta-commands are not SQL: {', '.join(metas)} (use psql for them)", EXIT_USAGE)
    for statement in statements:
        missing = [n for n in parameter_names(statement.text) if n not in values]
        if missing:
            names = ", ".join(f"${n}" if n.isdigit() else f":{n}" for n in missing)
            raise CliError(f"no value for {names}: add --param NAME=VALUE", EXIT_USAGE)
    database = connect(profile, stdin)
    try:
        conn = database.connect(CLI_QUERY)
    except Exception as exc:
        database.close()
        raise CliError(f"{profile.name}: {exc}", EXIT_USAGE) from None
    policy = Policy(profile.name, profile.production, args.confirm == profile.name,
                    profile.read_only and not database.info.read_only, profile.read_only)
    run = run_sqlite_statement if profile.is_sqlite else run_statement
    try:
        refusal = why_not_here(conn, saved, database.info.version_num) if saved else None
        if refusal:
            print(f"bastion: {refusal}", file=stderr)
            return EXIT_ERROR
        if profile.is_sqlite:
            conn.isolation_level = None  # autocommit; a BEGIN in the SQL works as typed
        else:
            prepare_connection(conn, stderr)
        writer = writer_for(args.format, stdout)
        for statement in statements:
            try:
                run(conn, statement, values, writer, policy, stdout if args.format == "table" else stderr)
            except StatementFailed as failure:
                stdout.flush()
                print(f"bastion: {failure}", file=stderr)
                hint = standby_hint(failure.sqlstate, str(failure), database.info.in_recovery)
                if hint:
                    print(f"bastion: {hint}", file=stderr)
                return failure.code
            except psycopg.Error as exc:  # around the statement (BEGIN, COMMIT): the link went
                stdout.flush()
                print(f"bastion: {profile.name}: {str(exc).strip() or type(exc).__name__}", file=stderr)
                return EXIT_USAGE
        stdout.flush()
        return EXIT_OK
    except KeyboardInterrupt:
        conn.interrupt() if profile.is_sqlite else conn.cancel_safe(timeout=3)
        raise
    finally:
        conn.close()
        database.close()


def prepare_connection(conn: Any, stderr: TextIO) -> None:
    """Values as the server's text (as psql prints them); notices to stderr."""
    from psycopg.types.string import TextLoader

    for info in conn.adapters.types:
        conn.adapters.register_loader(info.oid, TextLoader)
        if info.array_oid:
            conn.adapters.register_loader(info.array_oid, TextLoader)
    conn.add_notice_handler(lambda diag: print(f"{diag.severity}:  {diag.message_primary}", file=stderr))


def run_statement(conn: Any, statement: Statement, values: dict[str, str], writer: ResultWriter,
                  policy: Policy, tags: TextIO) -> None:
    """Run one statement under the profile's rules; rows to `writer`, its command
    tag to `tags`. Raises StatementFailed."""
    import psycopg

    refusal = client_stream_refusal(statement)
    if refusal:
        raise StatementFailed(refusal)
    acting = acting_functions(statement)
    if acting and policy.refuses_writes:
        raise StatementFailed(f"this statement calls {', '.join(acting)}, which acts on the server even when "
                              f"read-only, and profile {policy.profile_name} is read-only: not run.")
    if acting and policy.production and not policy.confirmed:
        raise StatementFailed(f"this statement calls {', '.join(acting)}, which acts on the server, on production "
                              f"profile {policy.profile_name}: not run. Add --confirm {policy.profile_name} to run it.")
    status = conn.info.transaction_status
    untried = transaction_control(statement) or first_keyword(statement) in UNTRIED_FIRST
    if not policy.tried or untried or status not in (psycopg.pq.TransactionStatus.IDLE,
                                                     psycopg.pq.TransactionStatus.INTRANS):
        return _execute(conn, statement, values, writer, tags)
    idle = status == psycopg.pq.TransactionStatus.IDLE
    opening = ["BEGIN READ ONLY"] if idle else ["SAVEPOINT bastion_trial", "SET LOCAL transaction_read_only = on"]
    closing = ["COMMIT"] if idle else ["ROLLBACK TO SAVEPOINT bastion_trial", "RELEASE SAVEPOINT bastion_trial"]
    for command in opening:
        conn.execute(command)
    try:
        _execute(conn, statement, values, writer, tags, trial=True)
    except _WriteRefused:
        for command in (["ROLLBACK"] if idle else closing):
            conn.execute(command)
        if policy.read_only_unenforced:
            raise StatementFailed("this profile is read-only and the server does not enforce it here (a pooler "
                                  "dropped the startup options), so bastion refuses writes itself: not run.") from None
        if policy.read_only:
            raise StatementFailed("this profile is read-only: the server refused the write in a read-only "
                                  "transaction, not run.") from None
        if not policy.confirmed:
            raise StatementFailed(f"the server says this statement writes, on production profile "
                                  f"{policy.profile_name}: not run. Add --confirm {policy.profile_name} "
                                  "to run it.") from None
        return _execute(conn, statement, values, writer, tags)
    except BaseException:
        if not conn.closed and not conn.broken:
            conn.execute("ROLLBACK" if idle else closing[0])
            if not idle:
                conn.execute(closing[1])
        raise
    for command in closing:
        conn.execute(command)


def run_sqlite_statement(conn: Any, statement: Statement, values: dict[str, str], writer: ResultWriter,
                         policy: Policy, tags: TextIO) -> None:
    """`run_statement` for SQLite: a production write is tried with PRAGMA query_only first."""
    import sqlite3

    from tui.commands.query_sqlite import SqliteWriteRefused, execute_sqlite

    tried = policy.tried and not transaction_control(statement) and first_keyword(statement) != "PRAGMA"
    try:
        try:
            execute_sqlite(conn, statement, values, writer, tags, trial=tried, keep_query_only=policy.read_only)
        except SqliteWriteRefused:
            if policy.refuses_writes:
                raise StatementFailed("SQLite says this statement writes, and this profile is read-only: "
                                      "not run.") from None
            if not policy.confirmed:
                raise StatementFailed(f"SQLite says this statement writes, on production profile "
                                      f"{policy.profile_name}: not run. Add --confirm {policy.profile_name} "
                                      "to run it.") from None
            execute_sqlite(conn, statement, values, writer, tags)
    except sqlite3.Error as exc:
        raise StatementFailed(f"ERROR:  {exc}") from None


class _WriteRefused(Exception):
    """The read-only trial: the server refused a write before it touched anything."""


def _execute(conn: Any, statement: Statement, values: dict[str, str], writer: ResultWriter, tags: TextIO,
             trial: bool = False) -> None:
    import psycopg

    if parameter_names(statement.text):
        bound = bind(statement.text, dict(values))
        sql, params = bound.psycopg_sql, bound.values
    else:
        sql, params = statement.text, None
    try:
        if can_stream(statement):
            if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                with conn.transaction():
                    _stream(conn.cursor(name=f"bastion_query_{next(_cursor_names)}"), sql, params, writer)
            else:
                _stream(conn.cursor(name=f"bastion_query_{next(_cursor_names)}"), sql, params, writer)
            return
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.description:
                _write_rows(cursor, writer)
            elif cursor.statusmessage:
                tags.write(cursor.statusmessage + "\n")
    except psycopg.Error as exc:
        sqlstate = exc.diag.sqlstate if exc.diag else None
        if trial and sqlstate in WRITE_REFUSED:
            raise _WriteRefused() from None
        lost = conn.closed or conn.broken
        raise StatementFailed(_describe_error(exc, statement) + (" (the connection was lost)" if lost else ""),
                              EXIT_USAGE if lost else EXIT_ERROR, sqlstate) from None


def _stream(cursor: Any, sql: str, params: Any, writer: ResultWriter) -> None:
    with cursor:
        cursor.itersize = BATCH
        cursor.execute(sql, params)
        _write_rows(cursor, writer)


def _write_rows(cursor: Any, writer: ResultWriter) -> None:
    writer.start([OutputColumn(d.name, d.type_code) for d in cursor.description or ()])
    count = 0
    while batch := cursor.fetchmany(BATCH):
        writer.rows(batch)
        count += len(batch)
    writer.end(count)


def _describe_error(exc: Any, statement: Statement) -> str:
    diag = exc.diag
    message = f"{diag.severity or 'ERROR'}:  {diag.message_primary or str(exc).strip()}"
    if diag.statement_position:
        before = statement.text[:max(0, int(diag.statement_position) - 1)]
        message += f" (at line {before.count(chr(10)) + 1} of: {statement.text.splitlines()[0][:80]})"
    for label, value in (("DETAIL", diag.message_detail), ("HINT", diag.message_hint)):
        if value:
            message += f"\n{label}:  {value}"
    return message


def main_query(argv: list[str]) -> int:
    """Entry from tui/cli.py: the process's own streams."""
    return run_query(argv, sys.stdin, sys.stdout, sys.stderr)
