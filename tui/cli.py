"""Command line: `bastion [PROFILE|URL]`, `bastion demo`, `bastion fleet`, `bastion profiles …`,
`bastion dump|restore|import …`, `bastion query …`, `bastion mcp PROFILE`.

The first word picks the command (tui/commands/, one module per family); here the
errors they raise become a line on stderr and a non-zero exit code. Nothing here
prints a password.
"""

from __future__ import annotations

import os
import sys

from tui.commands.console import run_main_app
from tui.commands.demo import run_demo
from tui.commands.errors import EXIT_ERROR, EXIT_OK, CliError
from tui.commands.fleet import run_fleet
from tui.commands.profiles import run_profiles
from tui.commands.transfer import run_transfer
from tui.profiles import ProfileFileError
from tui.secrets import redact


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
    """Run one command line; returns the exit code."""
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
        if argv[:1] in (["dump"], ["restore"], ["import"]):
            return run_transfer(argv[0], argv[1:], sys.stdin, sys.stdout)
        if argv[:1] == ["query"]:
            from tui.commands.query import main_query

            return main_query(argv[1:])
        if argv[:1] == ["mcp"]:
            from tui.commands.mcp import main_mcp

            return main_mcp(argv[1:])
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
