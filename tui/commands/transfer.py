"""`bastion dump`, `bastion restore` and `bastion import`: data in and out through a
profile (its tunnel, TLS settings and keyring password), without a password on
any command line.

The job runs in a thread; Ctrl+C cancels it (the child stopped, the partial file
removed, the import rolled back). Progress goes to stderr when it is a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from tui.commands.errors import EXIT_OK, EXIT_USAGE, CliError
from tui.commands.profiles import add_profiles_option, get_profile, load_store
from tui.db import ConnectFailure, Database
from tui.formatting import bytes_text, plural
from tui.profiles import Profile
from tui.secrets import PasswordVault, redact
from tui.services.transfer import TransferCancelled, TransferError, TransferProgress
from tui.services.transfer.dump import DUMP_FORMATS

T = TypeVar("T")


def dump_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion dump", description="Back up a profile's database with pg_dump (SQLite: the backup API). "
        "The password reaches pg_dump through a private 0600 file, never its command line.")
    parser.add_argument("profile")
    parser.add_argument("-o", "--output", metavar="FILE", type=Path,
                        help="where to write (default: PROFILE-DATE-TIME.dump / .sql, in the current folder)")
    parser.add_argument("--format", choices=DUMP_FORMATS,
                        help="custom (default: for pg_restore), plain (SQL, for psql) or directory (parallel restore)")
    parser.add_argument("--schema", action="append", default=[], metavar="S", help="only this schema (repeatable)")
    parser.add_argument("--table", action="append", default=[], metavar="T", help="only this table (repeatable)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--data-only", action="store_true", help="the rows, not the definitions")
    only.add_argument("--schema-only", action="store_true", help="the definitions, not the rows")
    add_profiles_option(parser)
    return parser


def restore_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion restore", description="Restore a dump into a profile's database with pg_restore or psql "
        "(SQLite: the file is replaced by a verified copy). Refused on read-only profiles.")
    parser.add_argument("profile")
    parser.add_argument("file", type=Path)
    parser.add_argument("--clean", action="store_true", help="drop the dump's objects before recreating them")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="restore N tables at once (archives)")
    parser.add_argument("--confirm", metavar="NAME", help="the profile's name, to restore into a production profile "
                                                          "without a prompt")
    add_profiles_option(parser)
    return parser


def import_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion import", description="Import a CSV/TSV file into a table, in one transaction: "
        "a bad row stops it, with its line, and nothing is imported.")
    parser.add_argument("profile")
    parser.add_argument("table", help="TABLE or SCHEMA.TABLE")
    parser.add_argument("file", type=Path)
    parser.add_argument("--delimiter", help="the field separator (default: detected; '\\t' for tab)")
    parser.add_argument("--quote", default='"', help='the quote character (default: ")')
    parser.add_argument("--null", default="", help="the text that means NULL (default: an unquoted empty field)")
    parser.add_argument("--encoding", default="utf-8", help="the file's encoding (default: utf-8)")
    parser.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                        help="the first line names the columns (default: detected)")
    parser.add_argument("--columns", metavar="A,B,…",
                        help="the table column of each file column, in file order; '-' skips one")
    parser.add_argument("--confirm", metavar="NAME", help="the profile's name, to import into a production profile "
                                                          "without a prompt")
    add_profiles_option(parser)
    return parser


def connect(profile: Profile, vault: PasswordVault, stdin: TextIO) -> Database:
    """The profile's database, with the keyring's password, or one asked on a terminal."""
    from tui.services.connect import connect_first_try, connect_with_password

    try:
        return connect_first_try(profile, vault).database
    except ConnectFailure as failure:
        if not (failure.wants_password and stdin.isatty()):
            raise CliError(redact(f"{failure.message}\n{failure.hint}".strip(), vault.known_secrets())) from None
    password = getpass.getpass(f"Password for {profile.target()}: ")
    try:
        return connect_with_password(profile, vault, password).database
    except ConnectFailure as failure:
        raise CliError(redact(f"{failure.message}\n{failure.hint}".strip(), vault.known_secrets())) from None


def confirm_production(profile: Profile, confirm: str | None, what: str, stdin: TextIO) -> None:
    """On a production profile: the name given with --confirm, or typed at a prompt."""
    if not profile.production:
        return
    if confirm is not None:
        if confirm != profile.name:
            raise CliError(f"--confirm {confirm!r} is not the profile's name: nothing was done.", EXIT_USAGE)
        return
    if not stdin.isatty():
        raise CliError(f"'{profile.name}' is a production profile: add --confirm {profile.name} to {what}.",
                       EXIT_USAGE)
    print(f"'{profile.name}' is PRODUCTION ({profile.target()}).", file=sys.stderr)
    typed = input(f"Type the profile's name to {what}: ")
    if typed.strip() != profile.name:
        raise CliError("That does not match: nothing was done.")


class ProgressLine:
    """One line on stderr, rewritten in place, when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, step: TransferProgress) -> None:
        if not self.live:
            return
        parts = [step.phase]
        if step.unit == "tables" and (step.done or step.total):
            parts.append(f"{step.done}/{step.total} tables" if step.total else plural(step.done, "table"))
        if step.bytes_total:
            parts.append(f"{bytes_text(step.bytes_done)} of {bytes_text(step.bytes_total)}")
        elif step.bytes_done:
            parts.append(bytes_text(step.bytes_done))
        self.stream.write("\r\033[K" + " · ".join(parts)[:200])
        self.stream.flush()

    def end(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def run_cancellable(job: Callable[[threading.Event], T], line: ProgressLine) -> T:
    """Run `job` in a thread; Ctrl+C sets its cancel event and waits for it to clean up."""
    cancel = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            outcome.append(job(cancel))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            failure.append(exc)

    worker = threading.Thread(target=work, daemon=True, name="bastion-transfer")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        cancel.set()
        worker.join()
    line.end()
    if failure:
        exc = failure[0]
        if isinstance(exc, TransferCancelled):
            raise CliError(f"cancelled: {exc.message.removeprefix('Cancelled').lstrip(':. ') or 'nothing kept'}",
                           130)
        if isinstance(exc, TransferError):
            raise CliError(str(exc)) from None
        raise exc
    return outcome[0]


def split_table(name: str, sqlite: bool) -> tuple[str, str]:
    """'sales.orders' → ('sales', 'orders'); 'orders' → ('public', …) or ('main', …) on SQLite."""
    schema, dot, table = name.partition(".")
    if not dot:
        return ("main" if sqlite else "public"), name
    return schema, table


def sqlite_refusal(command: str, args: argparse.Namespace) -> str | None:
    """Why these pg_dump / pg_restore options cannot apply to a SQLite profile (dumped
    and restored whole, as a SQLite file), or None: better refused than ignored."""
    if command == "dump":
        given = [f"--format {args.format}"] if args.format else []
        given += [f"--schema {schema}" for schema in args.schema] + [f"--table {table}" for table in args.table]
        given += ["--data-only"] * args.data_only + ["--schema-only"] * args.schema_only
        what = "its dump is the whole database as a SQLite file (the online backup API)"
        again = "without them (-o NAME.sqlite3 chooses the file)"
    elif command == "restore":
        given = ["--clean"] * args.clean + ([f"--jobs {args.jobs}"] if args.jobs != 1 else [])
        what = "its restore replaces the whole file with a verified copy of the backup"
        again = "without them"
    else:
        return None
    if not given:
        return None
    return (f"{', '.join(given)}: {'pg_dump' if command == 'dump' else 'pg_restore'} options, and this is a "
            f"SQLite profile: {what}. Nothing was done; run it again {again}.")


def cmd_dump(args: argparse.Namespace, profile: Profile, database: Database, out: TextIO) -> int:
    from tui.services.transfer.dump import DumpRequest, default_dump_name, dump_database

    fmt = args.format or "custom"
    path = args.output or Path(default_dump_name(profile, fmt))
    request = DumpRequest(path=path, format=fmt, schemas=tuple(args.schema), tables=tuple(args.table),
                          data_only=args.data_only, schema_only=args.schema_only)
    line = ProgressLine(sys.stderr)
    result = run_cancellable(lambda cancel: dump_database(database, request, line, cancel), line)
    tables = "" if profile.is_sqlite else f"{plural(result.tables, 'table')} of data, "
    print(f"Dumped '{profile.name}' to {result.path}: {tables}{bytes_text(result.bytes_written)}.", file=out)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, profile: Profile, database: Database, stdin: TextIO, out: TextIO) -> int:
    from tui.services.transfer.restore import restore_database, restore_refusal

    refusal = restore_refusal(profile, database)
    if refusal:
        raise CliError(refusal)
    confirm_production(profile, args.confirm, "restore into it", stdin)
    line = ProgressLine(sys.stderr)
    result = run_cancellable(lambda cancel: restore_database(database, profile, args.file, line, cancel,
                                                             clean=args.clean, jobs=args.jobs), line)
    for note in result.notes:
        print(f"bastion: {note}", file=sys.stderr)
    print(f"Restored {result.path} into '{profile.name}' ({plural(result.tables, 'table')}).", file=out)
    return EXIT_OK


def cmd_import(args: argparse.Namespace, profile: Profile, database: Database, stdin: TextIO, out: TextIO) -> int:
    from tui.services.transfer.csv_import import import_csv, import_refusal, table_columns
    from tui.services.transfer.csv_plan import CsvOptions, plan_import

    refusal = import_refusal(profile, database)
    if refusal:
        raise CliError(refusal)
    if len(args.quote) != 1:
        raise CliError(f"--quote: one character, not {args.quote!r}.", EXIT_USAGE)
    schema, table = split_table(args.table, profile.is_sqlite)
    delimiter = "\t" if args.delimiter in ("\\t", "tab", "TAB") else args.delimiter
    options = CsvOptions(delimiter=delimiter, quote=args.quote, null=args.null, encoding=args.encoding,
                         header=args.header, columns=tuple(args.columns.split(",")) if args.columns else None)
    try:
        plan = plan_import(args.file, table_columns(database, schema, table), options)
    except TransferError as exc:
        raise CliError(str(exc)) from None
    for note in plan.notes:
        print(f"bastion: {note}", file=sys.stderr)
    confirm_production(profile, args.confirm, f"import into {schema}.{table}", stdin)
    line = ProgressLine(sys.stderr)
    result = run_cancellable(lambda cancel: import_csv(database, profile, schema, table, plan, line, cancel), line)
    print(f"Imported {plural(result.rows, 'row')} into {schema}.{table} of '{profile.name}'.", file=out)
    return EXIT_OK


def run_transfer(command: str, argv: list[str], stdin: TextIO, out: TextIO) -> int:
    """`bastion dump|restore|import …`: parse, connect, run, disconnect."""
    parser = {"dump": dump_parser, "restore": restore_parser, "import": import_parser}[command]()
    args = parser.parse_args(argv)
    store = load_store(args.profiles)
    profile = get_profile(store, args.profile)
    if profile.is_sqlite and (refusal := sqlite_refusal(command, args)):
        raise CliError(refusal, EXIT_USAGE)
    vault = PasswordVault()
    database = connect(profile, vault, stdin)
    try:
        if command == "dump":
            return cmd_dump(args, profile, database, out)
        if command == "restore":
            return cmd_restore(args, profile, database, stdin, out)
        return cmd_import(args, profile, database, stdin, out)
    finally:
        database.close()
