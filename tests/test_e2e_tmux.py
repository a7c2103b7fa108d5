"""End to end: the real `bastion` command in a real terminal (tmux, 80x24).

Each test starts a private tmux server (its own socket dir and name, its own
config, an explicit environment), runs bastion under a small `sh` wrapper,
drives it with send-keys, polls the screen with capture-pane, and kills the
server afterwards whatever happens. The wrapper outlives bastion, so the test
reads the exit status and the terminal state bastion left behind (termios,
alternate screen, cursor, mouse modes) in a live pane.

Keyring: the real Secret Service when this process has a working one (under
`.ci/test`), else a test-only file backend chosen with PYTHON_KEYRING_BACKEND.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.demo.cluster import LocalCluster
from tui.secrets import KEYRING_SERVICE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WIDTH, HEIGHT = 80, 24
CONNECT_TIMEOUT = 20.0  # start-up and connect to the test cluster
DEMO_TIMEOUT = 90.0  # first start of the demo: initdb and seeding
EXIT_TIMEOUT = 15.0
DEMO_EXIT_TIMEOUT = 60.0  # the demo also stops its server
POLL = 0.1

TMUX_CONFIG = """\
set -g remain-on-exit on
set -g default-terminal "xterm-256color"
set -g status off
set -g escape-time 0
set -g history-limit 2000
"""

# A keyring backend for the test only, usable across processes: a JSON file
# named by $BASTION_E2E_KEYRING_FILE. Chosen with PYTHON_KEYRING_BACKEND when no
# real Secret Service is available; never used by the product itself.
FILE_KEYRING_MODULE = '''\
"""Test-only keyring backend: a JSON file ($BASTION_E2E_KEYRING_FILE)."""

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    @property
    def _path(self):
        return Path(os.environ["BASTION_E2E_KEYRING_FILE"])

    def _load(self):
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def _save(self, data):
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self._path)

    def get_password(self, service, username):
        return self._load().get(service + "\\0" + username)

    def set_password(self, service, username, password):
        data = self._load()
        data[service + "\\0" + username] = password
        self._save(data)

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(service + "\\0" + username, None) is None:
            raise PasswordDeleteError("not found")
        self._save(data)
'''


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


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
stty -g > "$dir/stty-before" 2>&1
"$@"; code=$?
stty -g > "$dir/stty-after" 2>&1
printf '[bastion exited with status %s]\n' "$code"
printf '%s\n' "$code" > "$dir/status.tmp"; mv "$dir/status.tmp" "$dir/status"
# An empty line (a lone CR from a terminal's late answer) is skipped, up to 3 times.
for _ in 1 2 3; do IFS= read -r line; [ -n "$line" ] && break; done
printf '%s' "$line" > "$dir/typed"; printf '[typed %s]\n' "$line"
"""


class Tmux:
    """One private tmux server (own socket dir and config) with one session."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        # A short private socket dir: unix socket paths are limited to ~107 bytes.
        self.socket_dir = Path(tempfile.mkdtemp(prefix="bastion-tmux-"))
        self.socket = f"e2e-{uuid.uuid4().hex[:8]}"
        self.config = workdir / "tmux.conf"
        self.config.write_text(TMUX_CONFIG)
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


def header_shown(title: str, target_part: str) -> Callable[[str], bool]:
    """The workspace header: title, user@host…, then the server product."""
    pattern = re.compile(re.escape(title) + r"\s+\S*" + re.escape(target_part) + r".*PostgreSQL \d")

    def ready(screen: str) -> bool:
        return any(pattern.search(line) for line in screen.splitlines())

    return ready


def quit_and_check_terminal(tmux: Tmux, exit_timeout: float) -> str:
    """ctrl+q; bastion must exit 0 and leave the terminal as it found it: same
    termios settings, normal screen, cursor shown, mouse reporting off, and the
    shell after it can print and read a typed line."""
    tmux.send("C-q")
    if not wait_until(tmux.exited, exit_timeout):
        pytest.fail(f"bastion still runs {exit_timeout:g} s after ctrl+q; screen:\n{tmux.screen()}")
    marker = f"[bastion exited with status {tmux.exit_status()}]"
    if not wait_until(lambda: marker in tmux.screen(), 5):
        pytest.fail(f"the shell's line after bastion is not visible; screen:\n{tmux.screen()}")
    screen = tmux.screen()
    assert tmux.exit_status() == 0, f"bastion exited with {tmux.exit_status()}; screen:\n{screen}"
    assert tmux.stty("after") == tmux.stty("before"), "terminal settings (stty) not restored"
    restored = {"alternate_on": "0", "cursor_flag": "1", "mouse_any_flag": "0",
                "mouse_sgr_flag": "0", "mouse_button_flag": "0", "mouse_all_flag": "0"}
    state = tmux.pane(*restored)
    left = {key: state[key] for key in restored if state[key] != restored[key]}
    assert not left, f"terminal not restored: {left}; screen:\n{screen}"
    tmux.send("-l", "typed-after-exit")
    tmux.send("Enter")
    typed = tmux.state_dir / "typed"
    if not wait_until(typed.exists, 5):
        pytest.fail(f"the terminal does not take a typed line after bastion; screen:\n"
                    f"{tmux.screen()}")
    line = typed.read_bytes()
    assert line.endswith(b"typed-after-exit"), f"the shell read {line!r}"
    if line != b"typed-after-exit":
        # Bytes before what was typed: e.g. the terminal's late answers to queries
        # bastion sent. Not fatal (timing-dependent), but worth seeing.
        assert line.startswith(b"\x1b"), f"the shell read {line!r}"
        warnings.warn(f"input left in the terminal after bastion exited: {line[:-16]!r}",
                      stacklevel=2)
    return screen


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


def _with_timeout(func: Callable[[], Any], timeout: float) -> Any:
    result: dict[str, Any] = {}

    def runner() -> None:
        try:
            result["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            result["error"] = exc

    thread = threading.Thread(target=runner, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError("keyring call timed out")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def working_secret_service() -> Any | None:
    """keyring's Secret Service backend when this process has a working one."""
    import keyring

    try:
        from keyring.backends import SecretService
        from keyring.backends.chainer import ChainerBackend
    except ImportError:
        return None
    chosen = keyring.get_keyring()
    candidates = chosen.backends if isinstance(chosen, ChainerBackend) else [chosen]
    found = [kr for kr in candidates if isinstance(kr, SecretService.Keyring)]
    if not found:
        return None
    backend = found[0]
    user = f"probe-{uuid.uuid4().hex}"

    def probe() -> bool:
        backend.set_password(KEYRING_SERVICE, user, "probe")
        try:
            return backend.get_password(KEYRING_SERVICE, user) == "probe"
        finally:
            backend.delete_password(KEYRING_SERVICE, user)

    try:
        return backend if _with_timeout(probe, 10) else None
    except Exception:  # noqa: BLE001 - any failure: use the file backend
        return None


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------


class KeyringForPanes:
    """How processes in the pane reach a keyring: the real Secret Service when
    there is one (over this session bus), else the test-only file backend."""

    def __init__(self, tmp_path: Path) -> None:
        self.real = working_secret_service()
        self.env: dict[str, str] = {}
        self.created: list[str] = []
        if self.real is not None:
            self.kind = "Secret Service"
            self.env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
            for name in ("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
                if name in os.environ:
                    self.env[name] = os.environ[name]
        else:
            self.kind = "test file backend"
            module_dir = tmp_path / "keyring-backend"
            module_dir.mkdir()
            (module_dir / "bastion_e2e_keyring.py").write_text(FILE_KEYRING_MODULE)
            self.env["PYTHONPATH"] = str(module_dir)
            self.env["PYTHON_KEYRING_BACKEND"] = "bastion_e2e_keyring.FileKeyring"
            self.env["BASTION_E2E_KEYRING_FILE"] = str(tmp_path / "keyring.json")

    def cleanup(self) -> None:
        if self.real is None:
            return
        import keyring.errors

        for name in self.created:
            try:
                _with_timeout(lambda n=name: self.real.delete_password(KEYRING_SERVICE, n), 10)
            except keyring.errors.PasswordDeleteError:
                pass


@pytest.fixture
def pane_keyring(tmp_path: Path) -> Iterator[KeyringForPanes]:
    keyrings = KeyringForPanes(tmp_path)
    yield keyrings
    keyrings.cleanup()


@pytest.fixture
def make_tmux(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], Tmux]]:
    servers: list[Tmux] = []

    def make(env: dict[str, str]) -> Tmux:
        server = Tmux(tmp_path, env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.kill_server()


# ---------------------------------------------------------------------------
# A profile with its password in the keyring
# ---------------------------------------------------------------------------


def test_open_profile_and_quit(
    tmp_path: Path, isolated_env: Path, pg_cluster: LocalCluster, pg_database: str,
    pane_keyring: KeyringForPanes, make_tmux: Callable[[dict[str, str]], Tmux],
) -> None:
    name = f"testdb-{uuid.uuid4().hex[:6]}"
    pane_keyring.created.append(name)
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "profiles:\n"
        f"  {name}:\n"
        "    host: 127.0.0.1\n"
        f"    port: {pg_cluster.port}\n"
        f"    database: {pg_database}\n"
        f"    user: {pg_cluster.superuser}\n"
        "    password: keyring\n"
        "    sslmode: disable\n"
    )
    env = {**base_env(isolated_env), **pane_keyring.env}

    # Store the password beforehand, the way a user does (checked against the server).
    stored = subprocess.run(
        [*bastion_command(), "profiles", "--profiles", str(profiles), "set-password", name],
        input=pg_cluster.password + "\n", capture_output=True, text=True, timeout=60, env=env,
    )
    assert stored.returncode == 0, f"set-password ({pane_keyring.kind}): {stored.stderr}"

    tmux = make_tmux(env)
    tmux.start([*bastion_command(), "--profiles", str(profiles), name], cwd=tmp_path)
    target = f"{pg_cluster.superuser}@127.0.0.1:{pg_cluster.port}/"
    screen = wait_for(tmux, f"the workspace of '{name}' ({pane_keyring.kind})",
                      header_shown(name, target), CONNECT_TIMEOUT)
    assert pg_cluster.password not in screen
    assert tmux.pane("alternate_on")["alternate_on"] == "1"

    quit_and_check_terminal(tmux, EXIT_TIMEOUT)
    assert pg_cluster.password not in tmux.screen()


# ---------------------------------------------------------------------------
# bastion demo
# ---------------------------------------------------------------------------


def _process_table() -> Iterator[tuple[int, str, str]]:
    """(pid, command line, working directory) of the processes we can see."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            cwd = ""
        yield int(entry.name), cmdline, cwd


def postgres_under(folder: Path) -> list[str]:
    """postgres processes whose command line or working directory is in `folder`
    (backends and helpers have rewritten command lines but run in the data dir)."""
    root = str(folder.resolve())
    found = []
    for pid, cmdline, cwd in _process_table():
        if pid == os.getpid():
            continue
        if (root in cmdline or cwd == root or cwd.startswith(root + "/")) and "postgres" in cmdline:
            found.append(f"{pid}: {cmdline.strip()} (cwd {cwd})")
    return found


def stop_postmasters_under(folder: Path) -> None:
    """Last resort after a failed test: stop (by pid) any server the demo left."""
    for pidfile in folder.rglob("postmaster.pid"):
        try:
            pid = int(pidfile.read_text().split("\n", 1)[0])
            if not Path(f"/proc/{pid}/comm").read_text().startswith("postgres"):
                continue
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown
        except (OSError, ValueError):
            continue
        wait_until(lambda p=pid: not Path(f"/proc/{p}").exists(), 15)


@pytest.fixture(scope="session")
def demo_cache_home() -> Iterator[Path]:
    """XDG_CACHE_HOME for `bastion demo`: fresh for this run, shared by its demo
    tests (the first one creates and seeds the demo cluster), removed at the end.

    Not under pytest's basetemp: pytest resets /tmp/pytest-of-USER to 0700 when
    a session starts (another run's, too), and the server, run as an
    unprivileged user when we are root, must be able to reach its data dir.
    """
    folder = Path(tempfile.mkdtemp(prefix="bastion-e2e-demo-"))
    os.chmod(folder, 0o711)
    yield folder
    stop_postmasters_under(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_demo_starts_and_quits_without_leaving_a_server(
    tmp_path: Path, isolated_env: Path, demo_cache_home: Path,
    pane_keyring: KeyringForPanes, make_tmux: Callable[[dict[str, str]], Tmux],
) -> None:
    try:
        import tui.demo.runner  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - not there yet, or broken
        pytest.skip(f"tui.demo.runner cannot be imported: {type(exc).__name__}: {exc}")

    env = {**base_env(isolated_env), **pane_keyring.env, "XDG_CACHE_HOME": str(demo_cache_home)}
    tmux = make_tmux(env)
    tmux.start([*bastion_command(), "demo"], cwd=tmp_path)
    try:
        wait_for(tmux, "the demo workspace", header_shown("bastion demo", "@"), DEMO_TIMEOUT)
        assert tmux.pane("alternate_on")["alternate_on"] == "1"
        # The check below can see the demo's server while it runs.
        assert postgres_under(demo_cache_home), "no demo postgres found while the demo runs"
        screen = quit_and_check_terminal(tmux, DEMO_EXIT_TIMEOUT)
        wait_until(lambda: not postgres_under(demo_cache_home), 15)
        left = postgres_under(demo_cache_home)
        assert not left, "postgres still runs after the demo quit:\n" + "\n".join(left) + (
            f"\nscreen:\n{screen}")
    finally:
        tmux.kill_server()
        stop_postmasters_under(demo_cache_home)
