"""`bastion [PROFILE|URL]`: the console, on the picker or straight on one database."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui import __version__
from tui.commands.errors import EXIT_USAGE, CliError
from tui.commands.profiles import add_profiles_option, get_profile
from tui.commands.running import run_app
from tui.profiles import Profile, ProfileStore
from tui.secrets import PasswordVault, redact


def app_parser() -> argparse.ArgumentParser:
    """The options of `bastion` itself; its epilog names the other commands."""
    parser = argparse.ArgumentParser(
        prog="bastion",
        description="A keyboard-first terminal console for PostgreSQL and SQLite.",
        epilog="Other commands: `bastion demo` (try it on a throwaway database), "
               "`bastion fleet [--group NAME]` (every server on one screen), "
               "`bastion profiles list|add|remove|import|test|set-password|forget-password`, "
               "`bastion dump|restore PROFILE …` (backups), `bastion import PROFILE TABLE FILE` (CSV), "
               "`bastion query PROFILE SQL` (scripts), `bastion mcp PROFILE` (AI agents, read-only).",
    )
    parser.add_argument("target", nargs="?", metavar="PROFILE[/DATABASE]|URL|FILE",
                        help="a profile name (PROFILE/DATABASE: another database of its server, with its "
                             "credentials, tunnel and TLS), a SQLite file, or a postgresql:// / sqlite:/// URL "
                             "to open ad hoc; leave the password out of the URL (other users can see a command "
                             "line in `ps`): you will be asked for it")
    add_profiles_option(parser)
    parser.add_argument("--read-only", action="store_true",
                        help="open every connection read-only (enforced by the server)")
    parser.add_argument("--theme", metavar="NAME", help="theme to use (remembered)")
    parser.add_argument("--version", action="version", version=f"bastion {__version__}")
    return parser


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


SQLITE_MAGIC = b"SQLite format 3\x00"
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3", ".db3")


def sqlite_file_profile(target: str) -> Profile | None:
    """A profile for `bastion data/app.db` (an existing SQLite file), None when `target`
    is not a path to one; CliError for a file that is not SQLite or does not exist."""
    path = Path(target).expanduser()
    if not path.is_file():
        if path.suffix.lower() in SQLITE_SUFFIXES:
            raise CliError(f"{target}: no such file (bastion does not create databases)", EXIT_USAGE)
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise CliError(f"{target}: cannot read: {exc.strerror or exc}", EXIT_USAGE) from None
    if head and head != SQLITE_MAGIC:
        raise CliError(f"{target}: not a SQLite database (a profile, URL or SQLite file was expected)", EXIT_USAGE)
    resolved = path.resolve()
    return Profile(name="ad-hoc", label=resolved.name, driver="sqlite", path=str(resolved), password="none")


def start_profile(target: str, store: ProfileStore, vault: PasswordVault) -> Profile:
    """What `bastion TARGET` opens: a URL or DSN, a saved profile (or PROFILE/DATABASE),
    or a SQLite file."""
    if "://" in target or "=" in target:
        return adhoc_profile(target, vault)
    if target in store.profiles or (store.file_error is None and target in store.names()):
        return get_profile(store, target)
    name, slash, database = target.partition("/")
    # An existing file wins over PROFILE/DATABASE: `bastion data/app.db` opens that
    # SQLite file even when a profile is named `data`.
    is_file = Path(target).expanduser().is_file()
    if slash and database and name in store.names() and not is_file and not target.startswith((".", "/", "~")):
        profile = get_profile(store, name)
        if profile.is_sqlite:
            raise CliError(f"profile '{name}' is a SQLite file: it has no other databases", EXIT_USAGE)
        return profile.with_changes(database=database)
    found = sqlite_file_profile(target)
    if found is not None:
        return found
    return get_profile(store, target)


def run_main_app(argv: list[str]) -> int:
    """Open the console: on the picker, a saved profile, or an ad-hoc URL."""
    from tui.app import BastionApp
    from tui.settings import Settings

    args = app_parser().parse_args(argv)
    store = ProfileStore(args.profiles).load()
    vault = PasswordVault()
    start: Profile | None = None
    if args.target:
        start = start_profile(args.target, store, vault)
    app = BastionApp(store, vault, Settings.load(), start_profile=start,
                     theme_name=args.theme, force_read_only=args.read_only)
    return run_app(app)
