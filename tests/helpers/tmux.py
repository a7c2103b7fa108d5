"""The real bastion command in tmux: start it, send keys, read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

WIDTH, HEIGHT = 80, 24


CONNECT_TIMEOUT = 20.0  # start-up and connect to the test cluster


POLL = 0.1


# The pane's TERM is tmux's default-terminal (see Tmux), never the TERM that
# tmux itself is started with. set-clipboard on: an application's OSC 52 copy
# lands in tmux's paste buffer (the default, external, ignores it), with or
# without an outer terminal.
TMUX_CONFIG = """\
set -g remain-on-exit on
set -g status off
set -g set-clipboard on
set -g escape-time 0
set -g history-limit 2000
"""


def bastion_command() -> list[str]:
    """The venv's console script, else `bastion` on PATH, else `python -m tui`."""
    script = Path(sys.executable).with_name("bastion")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    found = shutil.which("bastion")
    if found:
        return [found]
    return [sys.executable, "-m", "tui"]


# The pane runs bastion under `sh`, which records the terminal settings before
# and after, the exit status, prints a marker line, then reads the typed line
# and echoes it. This shows what bastion left behind while the pane is still
# alive. (tmux's own #{pane_dead_status} is not reliable: Debian's tmux resets
# SIGCHLD while libutempter handles the closed terminal, and a child exiting
# in that window is never reaped; and tmux edits a dead pane's screen.)
WRAPPER = r"""
dir=$1; shift
printf 'TERM=%s\nNO_COLOR=%s\nCOLORTERM=%s\n' "${TERM-}" "${NO_COLOR-<unset>}" "${COLORTERM-<unset>}" \
    > "$dir/env.tmp"; mv "$dir/env.tmp" "$dir/env"
stty -g > "$dir/stty-before" 2>&1
"$@"; code=$?
stty -g > "$dir/stty-after" 2>&1
printf '[bastion exited with status %s]\n' "$code"
printf '%s\n' "$code" > "$dir/status.tmp"; mv "$dir/status.tmp" "$dir/status"
# An empty line (a lone CR from a terminal's late answer) is skipped, up to 3 times.
for _ in 1 2 3; do IFS= read -r line; [ -n "$line" ] && break; done
printf '%s' "$line" > "$dir/typed.tmp"; mv "$dir/typed.tmp" "$dir/typed"  # whole, once it exists
printf '[typed %s]\n' "$line"
"""


class Tmux:
    """One private tmux server (own socket dir and config) with one session;
    `term` is the TERM the pane's programs see (tmux's default-terminal)."""

    def __init__(self, workdir: Path, env: dict[str, str], term: str = "xterm-256color") -> None:
        # A short private socket dir: unix socket paths are limited to ~107 bytes.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="bastion-tmux-"))
        self.socket = f"e2e-{uuid.uuid4().hex[:8]}"
        self.config = workdir / "tmux.conf"
        self.config.write_text(TMUX_CONFIG + f'set -g default-terminal "{term}"\n')
        self.state_dir = workdir / "pane"
        self.state_dir.mkdir(exist_ok=True)
        self.env = {**env, "TMUX_TMPDIR": str(self.socket_dir)}
        self.session = "bastion"

    def tmux(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            capture_output=True, text=True, timeout=15, env=self.env,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def start(self, command: list[str], cwd: Path) -> None:
        for old in self.state_dir.iterdir():
            old.unlink()
        self.tmux("new-session", "-d", "-s", self.session, "-x", str(WIDTH), "-y", str(HEIGHT),
                  "-c", str(cwd), "--", "sh", "-c", WRAPPER, "sh", str(self.state_dir),
                  *command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-S", "-30", "-t", self.session)

    def screen_with_attributes(self) -> str:
        """The visible screen with its colours and attributes as SGR sequences."""
        return self.tmux("capture-pane", "-p", "-e", "-t", self.session)

    def pane_env(self) -> dict[str, str]:
        """TERM, NO_COLOR and COLORTERM as the pane's shell saw them ("<unset>" if unset)."""
        lines = (self.state_dir / "env").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def paste_buffer(self) -> str | None:
        """tmux's newest paste buffer (where an OSC 52 copy lands), None if there is none."""
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), "show-buffer"],
            capture_output=True, text=True, timeout=15, env=self.env,
        )
        return result.stdout if result.returncode == 0 else None

    def pane(self, *names: str) -> dict[str, str]:
        """Pane format variables, e.g. alternate_on, cursor_flag."""
        fmt = "\t".join(f"#{{{name}}}" for name in names)
        values = self.tmux("display-message", "-p", "-t", self.session, fmt).rstrip("\n")
        return dict(zip(names, values.split("\t"), strict=True))

    def exit_status(self) -> int | None:
        """bastion's exit status once it has exited, else None."""
        try:
            return int((self.state_dir / "status").read_text())
        except (FileNotFoundError, ValueError):
            return None

    def exited(self) -> bool:
        return self.exit_status() is not None

    def stty(self, when: str) -> str:
        """`stty -g` of the pane's terminal "before" or "after" bastion ran."""
        return (self.state_dir / f"stty-{when}").read_text().strip()

    def send(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def kill_server(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=15, env=self.env)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def wait_for(tmux: Tmux, what: str, ready: Callable[[str], bool], timeout: float) -> str:
    """Poll the screen until `ready(screen)`; fail with the screen on timeout or if
    bastion exited first."""
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux.screen()
        if ready(screen):
            return screen
        if tmux.exited():
            pytest.fail(f"bastion exited (status {tmux.exit_status()}) before {what}; "
                        f"screen:\n{tmux.screen()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}; screen:\n{screen}")
        time.sleep(POLL)


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    return True


def base_env(home: Path) -> dict[str, str]:
    """What the pane gets: only what the test decides (plus PATH and the locale)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "PGPASSFILE": os.environ["PGPASSFILE"],
        "PGSERVICEFILE": os.environ["PGSERVICEFILE"],
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env[name] = os.environ[name]
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    return env
