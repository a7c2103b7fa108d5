"""`bastion fleet [GROUP | --group GROUP]`: every server of the profiles on one screen."""

from __future__ import annotations

import argparse

from tui.commands.errors import EXIT_USAGE, CliError
from tui.commands.profiles import add_profiles_option
from tui.commands.running import run_app
from tui.profiles import ProfileStore
from tui.secrets import PasswordVault


def fleet_parser() -> argparse.ArgumentParser:
    """The options of `bastion fleet`."""
    parser = argparse.ArgumentParser(
        prog="bastion fleet",
        description="Every server of the profiles on one screen, polled at once and read-only.")
    parser.add_argument("group_name", nargs="?", metavar="GROUP", help="only the profiles whose `group:` is GROUP")
    parser.add_argument("--group", metavar="GROUP", help="the same, as an option")
    parser.add_argument("--theme", metavar="NAME", help="theme to use (remembered)")
    add_profiles_option(parser)
    return parser


def run_fleet(argv: list[str]) -> int:
    """Open the fleet screen; a group no profile belongs to is a usage error."""
    from tui.app import BastionApp
    from tui.services.fleet import FleetError, select_profiles
    from tui.settings import Settings

    args = fleet_parser().parse_args(argv)
    if args.group_name and args.group and args.group_name != args.group:
        raise CliError(f"two groups given ({args.group_name} and --group {args.group}): give one", EXIT_USAGE)
    group = args.group or args.group_name
    store = ProfileStore(args.profiles).load()
    try:
        select_profiles(list(store.profiles.values()), group)
    except FleetError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    app = BastionApp(store, PasswordVault(), Settings.load(), theme_name=args.theme,
                     start_fleet=True, fleet_group=group)
    return run_app(app)
