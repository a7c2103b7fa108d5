"""Command line: `bastion [PROFILE|URL]`, `bastion demo`, `bastion profiles …`.

Errors go to stderr with a non-zero exit code; nothing here prints a password.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui import __version__
from tui.profiles import (
    DRIVERS,
    PASSWORD_SOURCES,
    SSLMODES,
    Profile,
    ProfileFileError,
    ProfileStore,
    parse_profile,
)
from tui.secrets import KeyringUnavailable, PasswordVault, redact

if TYPE_CHECKING:
    from tui.app import BastionApp
    from tui.demo.runner import DemoEnvironment

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CRASH = 0, 1, 2, 70


class CliError(Exception):
    """A message for stderr and an exit code."""

    def __init__(self, message: str, code: int = EXIT_ERROR):
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------
# Parsers
# ---------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profiles", metavar="FILE", type=Path,
                        help="profiles file (default: $BASTION_PROFILES or ~/.config/bastion/profiles.yaml)")


def app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion",
        description="A keyboard-first terminal console for PostgreSQL and SQLite.",
        epilog="Other commands: `bastion demo` (try it on a throwaway database), "
               "`bastion fleet [--group NAME]` (every server on one screen), "
               "`bastion profiles list|add|remove|import|test|set-password|forget-password`.",
    )
    parser.add_argument("target", nargs="?", metavar="PROFILE|URL",
                        help="a profile name, or a postgresql:// / sqlite:/// URL to open ad hoc; "
                             "leave the password out of the URL (other users can see a command line "
                             "in `ps`): you will be asked for it")
    _common(parser)
    parser.add_argument("--read-only", action="store_true",
                        help="open every connection read-only (enforced by the server)")
    parser.add_argument("--theme", metavar="NAME", help="theme to use (remembered)")
    parser.add_argument("--version", action="version", version=f"bastion {__version__}")
    return parser


def demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bastion demo",
                                     description="Start a throwaway PostgreSQL with sample data and open it.")
    parser.add_argument("--reset", action="store_true", help="delete the demo database and seed it again")
    parser.add_argument("--no-workload", action="store_true", help="no background sessions")
    parser.add_argument("--theme", metavar="NAME", help="theme to use")
    _common(parser)
    return parser


def fleet_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bastion fleet",
        description="Every server of the profiles on one screen, polled at once and read-only.")
    parser.add_argument("--group", metavar="NAME", help="only the profiles whose `group:` is NAME")
    parser.add_argument("--theme", metavar="NAME", help="theme to use (remembered)")
    _common(parser)
    return parser


# `bastion profiles add` options that take text: (option, metavar, help).
ADD_TEXT_OPTIONS = [
    ("--host", "HOST", "the server's host name or address, or a socket directory (default: $PGHOST or local)"),
    ("--database", "NAME", "the database to open (libpq's default: the user name)"),
    ("--user", "NAME", "the role to log in as (libpq's default: your login name)"),
    ("--service", "NAME", "a service from pg_service.conf that supplies the connection settings"),
    ("--sslrootcert", "FILE", "the CA certificate(s) the server's certificate must chain to"),
    ("--sslcert", "FILE", "a client certificate, where the server asks for one"),
    ("--sslkey", "FILE", "the client certificate's key (readable by you only)"),
    ("--label", "TEXT", "a friendlier title shown in the picker and the header"),
    ("--path", "FILE", "the database file, for --driver sqlite"),
    ("--statement-timeout", "TIME", "cancel statements running longer, e.g. 30s, 5min, 1500 (ms); 0: no limit"),
    ("--search-path", "SCHEMAS", "the schemas to search, comma-separated, e.g. app,public"),
    ("--application-name", "NAME", "the name the server shows in pg_stat_activity"),
]


def profiles_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bastion profiles", description="Manage connection profiles.")
    _common(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list profiles and problems in the file")

    add = sub.add_parser(
        "add", help="add a profile from options",
        description="Add a connection profile to the profiles file (`bastion profiles --profiles FILE add …` "
                    "for another file). No password is taken here: run `bastion profiles set-password NAME` "
                    "afterwards (or choose another --password-source).",
    )
    add.add_argument("name", help="the profile's name: letters, digits, '.', '_' or '-', at most 64")
    add.add_argument("--driver", choices=DRIVERS, default="postgresql",
                     help="the database engine (default: postgresql)")
    for option, metavar, text in ADD_TEXT_OPTIONS:
        add.add_argument(option, metavar=metavar, help=text)
    add.add_argument("--port", type=int, metavar="PORT", help="the server's TCP port, 1-65535 (libpq's default: 5432)")
    add.add_argument("--sslmode", choices=SSLMODES,
                     help="how TLS is used and checked; verify-full for a remote server (libpq's default: prefer)")
    add.add_argument("--password-source", choices=PASSWORD_SOURCES, default="keyring",
                     help="where the password comes from: the OS keyring (default), a prompt each session, "
                          "~/.pgpass, $PGPASSWORD, or none")
    add.add_argument("--read-only", action="store_true",
                     help="every connection read-only, enforced by the server")
    add.add_argument("--production", action="store_true",
                     help="mark as production: red accent, writes confirmed, the name typed for risky actions")
    add.add_argument("--replace", action="store_true", help="overwrite a profile of the same name")

    remove = sub.add_parser("remove", help="remove a profile and its saved password")
    remove.add_argument("name")

    imp = sub.add_parser("import", help="add profiles from a URL, a key=value DSN or a .env file")
    imp.add_argument("source", help="URL, DSN, path of a .env file, or - to read one line from stdin")
    imp.add_argument("--name", help="profile name (default: from the database name)")

    test = sub.add_parser("test", help="connect once and report the server")
    test.add_argument("name")

    setpw = sub.add_parser("set-password", help="store a profile's password in the OS keyring")
    setpw.add_argument("name")
    setpw.add_argument("--no-verify", action="store_true", help="store without connecting first")

    forget = sub.add_parser("forget-password", help="delete a profile's password from the OS keyring")
    forget.add_argument("name")
    return parser


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def load_store(path: Path | None) -> ProfileStore:
    store = ProfileStore(path).load()
    for problem in store.problems:
        print(f"bastion: {problem.severity}: {problem}", file=sys.stderr)
    return store


def _writable(store: ProfileStore) -> ProfileStore:
    if store.file_error is not None:
        raise CliError(f"{store.file_error} — fix the file first; it was not changed.")
    return store


def _get_profile(store: ProfileStore, name: str) -> Profile:
    if store.file_error is not None:
        raise CliError(str(store.file_error))
    try:
        return store.get(name)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None


def _read_secret(prompt: str, stdin: TextIO) -> str:
    """From the terminal without echo, or one line of stdin for scripts."""
    if stdin.isatty():
        return getpass.getpass(prompt)
    line = stdin.readline()
    if not line:
        raise CliError("no password given on standard input")
    return line.rstrip("\n")


# ---------------------------------------------------------------------------
# profiles subcommands
# ---------------------------------------------------------------------------


def cmd_list(store: ProfileStore, out: TextIO) -> int:
    if store.file_error is not None:
        raise CliError(str(store.file_error))
    if not store.names():
        print(f"No profiles in {store.path}.", file=out)
        return EXIT_OK
    width = max(len(n) for n in store.names())
    for name in store.names():
        profile = store.profiles.get(name)
        if profile is None:
            print(f"{name:<{width}}  (invalid)", file=out)
            continue
        flags = " ".join(f for f, on in (("production", profile.production),
                                         ("read-only", profile.read_only)) if on)
        print(f"{name:<{width}}  {profile.driver:<10}  {profile.target()}  {flags}".rstrip(), file=out)
    return EXIT_OK


def cmd_add(store: ProfileStore, args: argparse.Namespace, out: TextIO) -> int:
    _writable(store)
    if args.name in store.names() and not args.replace:
        raise CliError(f"profile '{args.name}' exists (use --replace to overwrite)")
    raw: dict[str, object] = {"driver": args.driver, "password": args.password_source}
    for key in ("host", "database", "user", "service", "sslrootcert", "sslcert", "sslkey", "label",
                "path", "port", "sslmode", "statement_timeout", "search_path", "application_name"):
        value = getattr(args, key)
        if value is not None:
            raw[key] = value
    raw["read_only"], raw["production"] = args.read_only, args.production
    profile, problems = parse_profile(args.name, raw)
    if profile is None:
        raise CliError("; ".join(f"{p.key}: {p.message}" for p in problems), EXIT_USAGE)
    store.put(profile)
    print(f"Added profile '{profile.name}': {profile.target()}", file=out)
    return EXIT_OK


def cmd_remove(store: ProfileStore, name: str, vault: PasswordVault, out: TextIO) -> int:
    _writable(store)
    try:
        store.remove(name)
    except KeyError as exc:
        raise CliError(str(exc.args[0])) from None
    try:
        vault.keyring.delete(name)
    except KeyringUnavailable:
        pass
    print(f"Removed profile '{name}'.", file=out)
    return EXIT_OK


def cmd_import(store: ProfileStore, args: argparse.Namespace, vault: PasswordVault,
               stdin: TextIO, out: TextIO) -> int:
    from tui.profiles.imports import SourceError, import_source, unique_name

    _writable(store)
    source = stdin.readline().strip() if args.source == "-" else args.source
    notes: list[str] = []
    try:
        found = import_source(source, args.name, notes)
    except SourceError as exc:
        raise CliError(redact(str(exc)), EXIT_USAGE) from None
    for note in notes:
        print(f"bastion: note: {note}", file=sys.stderr)
    for item in found:
        if item.password:
            vault.note(item.password)
    taken = set(store.names())
    for item in found:
        name = unique_name(item.profile.name, taken)
        taken.add(name)
        profile = item.profile.with_changes(name=name)
        if item.password:
            try:
                vault.keyring.set(name, item.password)
                note = "password saved to the OS keyring"
            except KeyringUnavailable as exc:
                # Never write it anywhere else: the user will be prompted on connect.
                profile = profile.with_changes(password="prompt")
                note = f"password NOT saved ({exc.reason}); you will be asked for it"
        else:
            note = "no password in the source"
        store.put(profile)
        print(f"Imported '{name}' from {item.origin}: {profile.target()} ({note})", file=out)
    return EXIT_OK


def cmd_test(store: ProfileStore, name: str, vault: PasswordVault, stdin: TextIO, out: TextIO) -> int:
    """Each hop in turn (ssh tunnel, TCP, TLS, auth, server); the first failure stops."""
    from tui.services.connection_check import check_profile

    profile = _get_profile(store, name)

    def ask_password(target: str) -> str | None:
        if not stdin.isatty():
            return None
        return _read_secret(f"Password for {target}: ", stdin)

    print(f"Testing '{profile.name}': {profile.target()}", file=out, flush=True)
    hops = check_profile(profile, vault, ask_password)
    secrets = vault.known_secrets()
    width = max(len(hop.name) for hop in hops)
    indent = " " * (width + 10)
    for hop in hops:
        detail = redact(hop.detail, secrets).replace("\n", "\n" + indent)
        print(f"  {'ok  ' if hop.ok else 'FAIL'}  {hop.name:<{width}}  {detail}", file=out)
        if hop.hint:
            print(f"{indent}{redact(hop.hint, secrets)}", file=out)
    if all(hop.ok for hop in hops):
        print("OK", file=out)
        return EXIT_OK
    failed = next(hop for hop in hops if not hop.ok)
    raise CliError(f"the {failed.name} hop failed (see above)")


def cmd_set_password(store: ProfileStore, args: argparse.Namespace, vault: PasswordVault,
                     stdin: TextIO, out: TextIO) -> int:
    from tui.db import ConnectFailure, open_database

    profile = _get_profile(store, args.name)
    password = _read_secret(f"Password for {profile.target()}: ", stdin)
    if not args.no_verify:
        try:
            open_database(profile, password).close()
        except ConnectFailure as failure:
            raise CliError(f"not saved: {failure.message}\n{failure.hint}".strip()) from None
    try:
        vault.keyring.set(profile.name, password)
    except KeyringUnavailable as exc:
        raise CliError(f"not saved: {exc.advice}") from None
    print(f"Password for '{profile.name}' saved to the OS keyring.", file=out)
    return EXIT_OK


def cmd_forget_password(store: ProfileStore, name: str, vault: PasswordVault, out: TextIO) -> int:
    try:
        removed = vault.keyring.delete(name)
    except KeyringUnavailable as exc:
        raise CliError(exc.advice) from None
    print(f"Password for '{name}' {'removed from' if removed else 'was not in'} the OS keyring.", file=out)
    return EXIT_OK


def run_profiles(argv: list[str], stdin: TextIO, out: TextIO) -> int:
    args = profiles_parser().parse_args(argv)
    store = load_store(args.profiles)
    vault = PasswordVault()
    command = args.command
    if command == "list":
        return cmd_list(store, out)
    if command == "add":
        return cmd_add(store, args, out)
    if command == "remove":
        return cmd_remove(store, args.name, vault, out)
    if command == "import":
        return cmd_import(store, args, vault, stdin, out)
    if command == "test":
        return cmd_test(store, args.name, vault, stdin, out)
    if command == "set-password":
        return cmd_set_password(store, args, vault, stdin, out)
    return cmd_forget_password(store, args.name, vault, out)


# ---------------------------------------------------------------------------
# The app and the demo
# ---------------------------------------------------------------------------


def run_app(app: object) -> int:
    """Run the Textual app; report a crash (already redacted) after the terminal is restored.
    SIGHUP (the SSH session closed) and SIGTERM stop the tunnels and exit cleanly."""
    from tui.exit_guard import exit_on_hangup

    def request_exit(code: int) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise SystemExit(code) from None
        loop.call_soon_threadsafe(lambda: app.exit(return_code=code))  # type: ignore[attr-defined]

    with exit_on_hangup(request_exit):
        app.run()  # type: ignore[attr-defined]
    report = getattr(app, "crash_report", None)
    code = getattr(app, "return_code", 0) or 0
    if report is not None:
        print(f"bastion: crash report written to {report}", file=sys.stderr)
        return EXIT_CRASH
    if code >= 128:
        return code  # ended by a signal
    return EXIT_CRASH if code else EXIT_OK


def adhoc_profile(target: str, vault: PasswordVault) -> Profile:
    """A profile for `bastion URL`: nothing is saved; a password in the URL stays in memory."""
    from tui.profiles.imports import SourceError, parse_source

    try:
        item = parse_source(target)
    except SourceError as exc:
        raise CliError(redact(str(exc)), EXIT_USAGE) from None
    profile = item.profile.with_changes(name="ad-hoc", label=item.profile.name, password="prompt")
    if item.password:
        vault.remember(profile.name, item.password, persist=False)
    return profile


def run_main_app(argv: list[str]) -> int:
    from tui.app import BastionApp
    from tui.settings import Settings

    args = app_parser().parse_args(argv)
    store = ProfileStore(args.profiles).load()
    vault = PasswordVault()
    start: Profile | None = None
    if args.target:
        if "://" in args.target or "=" in args.target:
            start = adhoc_profile(args.target, vault)
        else:
            start = _get_profile(store, args.target)
    app = BastionApp(store, vault, Settings.load(), start_profile=start,
                     theme_name=args.theme, force_read_only=args.read_only)
    return run_app(app)


def run_fleet(argv: list[str]) -> int:
    from tui.app import BastionApp
    from tui.services.fleet import FleetError, select_profiles
    from tui.settings import Settings

    args = fleet_parser().parse_args(argv)
    store = ProfileStore(args.profiles).load()
    try:
        select_profiles(list(store.profiles.values()), args.group)
    except FleetError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    app = BastionApp(store, PasswordVault(), Settings.load(), theme_name=args.theme,
                     start_fleet=True, fleet_group=args.group)
    return run_app(app)


def run_demo(argv: list[str]) -> int:
    from tui.demo.runner import DemoEnvironment, DemoError

    args = demo_parser().parse_args(argv)

    def progress(message: str) -> None:
        print(f"bastion demo: {message}", file=sys.stderr, flush=True)

    environment = DemoEnvironment(progress=progress, workload=not args.no_workload)
    try:
        if args.reset:
            environment.reset()
        with environment as demo:
            return _open_demo(demo, args)
    except DemoError as exc:
        raise CliError(str(exc)) from None


def _open_demo(demo: DemoEnvironment, args: argparse.Namespace) -> int:
    return run_app(demo_app(demo, args))


def demo_app(demo: DemoEnvironment, args: argparse.Namespace) -> BastionApp:
    """The app on an in-memory profile for the demo server: no keyring writes;
    the picker lists it too (a session profile), so ctrl+o leads back to it."""
    from tui.app import BastionApp
    from tui.profiles import MigrationsConfig
    from tui.settings import Settings

    info = demo.conninfo
    # The demo's Alembic env.py reads this, so "preview SQL" works from the Migrations pane.
    os.environ.setdefault(
        "BASTION_DEMO_URL",
        f"postgresql+psycopg://{info['user']}@/{info['dbname']}?host={info['host']}&port={info['port']}",
    )
    profile = Profile(
        name="demo", label="bastion demo", host=str(info["host"]), port=int(info["port"]),
        database=str(info["dbname"]), user=str(info["user"]), password="none",
        migrations=MigrationsConfig(config=str(demo.alembic_ini)),
    )
    store = ProfileStore(args.profiles).load()
    return BastionApp(store, PasswordVault(), Settings.load(), start_profile=profile, theme_name=args.theme)


def hide_passwords_from_ps(argv: list[str]) -> None:
    """Mask a password given on the command line (`bastion 'postgresql://u:pw@h/db'`)
    in the process title, which every user of the host can read through `ps` and
    /proc/PID/cmdline while bastion runs. setproctitle overwrites the argv memory
    the kernel shows; it cannot undo the moment before, hence the advice in --help."""
    if all(redact(arg) == arg for arg in argv):
        return
    sys.argv[1:] = [redact(arg) for arg in argv]  # crash reports read sys.argv too
    try:
        import setproctitle
    except ImportError:  # a platform without the extension: the advice in --help remains
        return
    setproctitle.setproctitle(redact(setproctitle.getproctitle()))


def main(argv: list[str] | None = None) -> int:
    from tui.exit_guard import leave_at_once_after_signal

    if argv is None:
        argv = list(sys.argv[1:])
        hide_passwords_from_ps(argv)
    argv = list(argv)
    try:
        if argv[:1] == ["profiles"]:
            return run_profiles(argv[1:], sys.stdin, sys.stdout)
        if argv[:1] == ["demo"]:
            return leave_at_once_after_signal(run_demo(argv[1:]))
        if argv[:1] == ["fleet"]:
            return leave_at_once_after_signal(run_fleet(argv[1:]))
        return leave_at_once_after_signal(run_main_app(argv))
    except CliError as exc:
        print(f"bastion: {exc}", file=sys.stderr)
        return exc.code
    except ProfileFileError as exc:
        print(f"bastion: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os._exit(EXIT_OK)  # `bastion profiles list | head`
