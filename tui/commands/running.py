"""Running the Textual app from the command line: signals, the crash report, the exit code."""

from __future__ import annotations

import asyncio
import sys

from tui.commands.errors import EXIT_CRASH, EXIT_OK


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
