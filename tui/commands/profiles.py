"""`bastion profiles list|add|remove|import|test|set-password|forget-password`,
and the `--profiles FILE` option every command takes.

Errors go to stderr with a non-zero exit code; nothing here prints a password.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.commands.errors import EXIT_OK, EXIT_USAGE, CliError
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
    from tui.services.connection_check import SslmodeOutcome


def add_profiles_option(parser: argparse.ArgumentParser) -> None:
    """`--profiles FILE`, which every command takes."""
    parser.add_argument("--profiles", metavar="FILE", type=Path,
                        help="profiles file (default: $BASTION_PROFILES or ~/.config/bastion/profiles.yaml)")


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
    """`bastion profiles COMMAND …`, one sub-parser per command."""
    parser = argparse.ArgumentParser(prog="bastion profiles", description="Manage connection profiles.")
    add_profiles_option(parser)
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

    imp = sub.add_parser(
        "import", help="add profiles from a URL, DSN, psql line, .env, alembic.ini or docker-compose.yml",
        description="Add profiles from what you have: a postgresql:// / JDBC / sqlite:/// URL, a key=value DSN, "
                    "a `PGPASSWORD=… psql -h … -U … -d …` line, or a file: .env (DATABASE_URL, *_DB_URL, "
                    "DB_HOST/DB_USER/…, POSTGRES_*, PG*), .properties, alembic.ini (sqlalchemy.url), "
                    "docker-compose.yml (environment: blocks). What will be created is shown first; on a "
                    "terminal you are asked. Passwords go to the OS keyring, never to the profiles file.",
    )
    imp.add_argument("source", help="URL, DSN, psql line, path of a file, pasted text (.env lines, "
                                    "sqlalchemy.url = …), or - to read all of stdin (e.g. `pbpaste | bastion "
                                    "profiles import -`)")
    imp.add_argument("--name", help="profile name (default: from the variable prefix or the database name)")
    imp.add_argument("--yes", "-y", action="store_true", help="create them without asking")
    imp.add_argument("--password-source", choices=("keyring", "prompt"), default="keyring",
                     help="keyring (default): save each password found in the OS keyring; prompt: save no "
                          "password, ask for it on connect")

    test = sub.add_parser("test", help="connect once and report the server")
    test.add_argument("name")

    setpw = sub.add_parser("set-password", help="store a profile's password in the OS keyring")
    setpw.add_argument("name")
    setpw.add_argument("--no-verify", action="store_true", help="store without connecting first")

    forget = sub.add_parser("forget-password", help="delete a profile's password from the OS keyring")
    forget.add_argument("name")
    return parser


def load_store(path: Path | None) -> ProfileStore:
    """The profiles file, its problems reported on stderr."""
    store = ProfileStore(path).load()
    for problem in store.problems:
        print(f"bastion: {problem.severity}: {problem}", file=sys.stderr)
    return store


def _writable(store: ProfileStore) -> ProfileStore:
    if store.file_error is not None:
        raise CliError(f"{store.file_error} — fix the file first; it was not changed.")
    return store


def get_profile(store: ProfileStore, name: str) -> Profile:
    """The profile of that name, or a CliError saying why there is none."""
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
    """Preview what the source holds, ask (on a terminal, without --yes), then save
    the passwords to the keyring and every profile in one write."""
    from tui.profiles.imports import SourceError, import_source, plan_import
    from tui.profiles.imports.plan import carry_out

    _writable(store)
    source = stdin.read() if args.source == "-" else args.source
    notes: list[str] = []
    try:
        found = import_source(source, args.name, notes)
    except SourceError as exc:
        raise CliError(redact(str(exc)), EXIT_USAGE) from None
    for item in found:
        if item.password:
            vault.note(item.password)
    for note in notes:
        print(f"bastion: note: {note}", file=sys.stderr)
    plan = plan_import(source if args.source != "-" else "stdin", found, set(store.names()))
    secrets = vault.known_secrets()
    print(plan.heading(), file=out)
    for line in plan.preview_lines():
        print(f"  {redact(line, secrets)}", file=out)
    if not args.yes and args.source != "-" and stdin.isatty():
        print("Create them? [y/N] ", end="", file=out, flush=True)
        if stdin.readline().strip().lower() not in ("y", "yes"):
            print("Nothing imported.", file=out)
            return EXIT_OK
    try:
        outcomes = carry_out(plan, store, vault.keyring, args.password_source)
    except (OSError, ProfileFileError) as exc:
        raise CliError(f"nothing imported: {exc}") from None
    for line in outcomes:
        print(line, file=out)
    return EXIT_OK


def cmd_test(store: ProfileStore, name: str, vault: PasswordVault, stdin: TextIO, out: TextIO) -> int:
    """Each hop in turn (ssh tunnel, TCP, TLS, auth, server); the first failure stops."""
    from tui.services.connection_check import check_profile

    profile = get_profile(store, name)

    def ask_password(target: str) -> str | None:
        if not stdin.isatty():
            return None
        return _read_secret(f"Password for {target}: ", stdin)

    print(f"Testing '{profile.name}': {profile.target()}", file=out, flush=True)
    sslmodes: list[SslmodeOutcome] = []
    hops = check_profile(profile, vault, ask_password, sslmodes)
    secrets = vault.known_secrets()
    width = max(len(hop.name) for hop in hops)
    indent = " " * (width + 10)
    for hop in hops:
        detail = redact(hop.detail, secrets).replace("\n", "\n" + indent)
        print(f"  {'ok  ' if hop.ok else 'FAIL'}  {hop.name:<{width}}  {detail}", file=out)
        if hop.hint:
            print(f"{indent}{redact(hop.hint, secrets)}", file=out)
    _print_tls_comparison(profile, sslmodes, out)
    if all(hop.ok for hop in hops):
        print("OK", file=out)
        return EXIT_OK
    failed = next(hop for hop in hops if not hop.ok)
    raise CliError(f"the {failed.name} hop failed (see above)")


def _print_tls_comparison(profile: Profile, sslmodes: list[SslmodeOutcome], out: TextIO) -> None:
    """What each sslmode gives on this server, and the provider's CA advice."""
    import psycopg

    from tui.profiles.providers import provider_for, tls_advice

    if sslmodes:
        print("TLS by sslmode (each tried once):", file=out)
        for outcome in sslmodes:
            label = outcome.sslmode + (f" with sslrootcert={outcome.rootcert}"
                                       if outcome.rootcert and outcome.sslmode.startswith("verify") else "")
            mark = "ok  " if outcome.ok else "FAIL"
            current = "  (this profile)" if (outcome.sslmode, outcome.rootcert) == (
                profile.sslmode or "prefer", profile.sslrootcert) else ""
            print(f"  {mark}  {label}: {outcome.detail}{current}", file=out)
    provider = provider_for(profile.host)
    if provider is not None and profile.sslmode != "verify-full":
        for line in tls_advice(provider, psycopg.pq.version()):
            print(f"  {line}", file=out)


def cmd_set_password(store: ProfileStore, args: argparse.Namespace, vault: PasswordVault,
                     stdin: TextIO, out: TextIO) -> int:
    from tui.db import ConnectFailure, open_database

    profile = get_profile(store, args.name)
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
    """Parse `bastion profiles …` and run the command it names."""
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
