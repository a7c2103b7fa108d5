"""`bastion demo`: a throwaway PostgreSQL with sample data, opened in the console."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tui.commands.errors import CliError
from tui.commands.profiles import add_profiles_option
from tui.commands.running import run_app
from tui.profiles import Profile, ProfileStore
from tui.secrets import PasswordVault

if TYPE_CHECKING:
    from tui.app import BastionApp
    from tui.demo.runner import DemoEnvironment


def demo_parser() -> argparse.ArgumentParser:
    """The options of `bastion demo`."""
    parser = argparse.ArgumentParser(prog="bastion demo",
                                     description="Start a throwaway PostgreSQL with sample data and open it.")
    parser.add_argument("--reset", action="store_true", help="delete the demo database and seed it again")
    parser.add_argument("--no-workload", action="store_true", help="no background sessions")
    parser.add_argument("--theme", metavar="NAME", help="theme to use")
    add_profiles_option(parser)
    return parser


def run_demo(argv: list[str]) -> int:
    """Start (or reset) the demo server, open the app on it, stop the server afterwards."""
    from tui.demo.runner import DemoEnvironment, DemoError

    args = demo_parser().parse_args(argv)

    def progress(message: str) -> None:
        print(f"bastion demo: {message}", file=sys.stderr, flush=True)

    environment = DemoEnvironment(progress=progress, workload=not args.no_workload)
    try:
        if args.reset:
            environment.reset()
        with environment as demo:
            return run_app(demo_app(demo, args))
    except DemoError as exc:
        raise CliError(str(exc)) from None


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
