"""`bastion [PROFILE|URL]`: the console, on the picker or straight on one database."""

from __future__ import annotations

import argparse

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
               "`bastion query PROFILE SQL` (scripts), `bastion mcp PROFILE` (AI agents, read-only).",
    )
    parser.add_argument("target", nargs="?", metavar="PROFILE|URL",
                        help="a profile name, or a postgresql:// / sqlite:/// URL to open ad hoc; "
                             "leave the password out of the URL (other users can see a command line "
                             "in `ps`): you will be asked for it")
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


def run_main_app(argv: list[str]) -> int:
    """Open the console: on the picker, a saved profile, or an ad-hoc URL."""
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
            start = get_profile(store, args.target)
    app = BastionApp(store, vault, Settings.load(), start_profile=start,
                     theme_name=args.theme, force_read_only=args.read_only)
    return run_app(app)
