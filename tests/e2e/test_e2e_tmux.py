"""End to end: the real `bastion` command in a real terminal (tmux, 80x24).

Each test starts a private tmux server (its own socket dir and name, its own
config, an explicit environment), runs bastion under a small `sh` wrapper,
drives it with send-keys, polls the screen with capture-pane, and kills the
server afterwards whatever happens. The wrapper outlives bastion, so the test
reads the exit status and the terminal state bastion left behind (termios,
alternate screen, cursor, mouse modes) in a live pane.

The pane's TERM is tmux's default-terminal, set per server (`make_tmux(env,
term=...)`): the TERM in the environment tmux starts with never reaches the
pane. The issue-7 walkthrough (TERM=screen) keeps every screen it waited for
under the test's tmp_path, in `screens/`.

Keyring: the real Secret Service when this process has a working one (under
`.ci/test`), else a test-only file backend chosen with PYTHON_KEYRING_BACKEND.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.tmux import (
    CONNECT_TIMEOUT,
    Tmux,
    base_env,
    bastion_command,
    wait_for,
    wait_until,
)

from tui.demo.cluster import LocalCluster
from tui.secrets import KEYRING_SERVICE

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

DEMO_TIMEOUT = 90.0  # first start of the demo: initdb and seeding
EXIT_TIMEOUT = 15.0
DEMO_EXIT_TIMEOUT = 60.0  # the demo also stops its server


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
    assert line.endswith(b"typed-after-exit"), f"the shell read {line!r}; screen:\n{tmux.screen()}"
    if line != b"typed-after-exit":
        # Bytes before what was typed: e.g. the terminal's late answers to queries
        # bastion sent. Not fatal (timing-dependent), but worth seeing.
        assert line.startswith(b"\x1b"), f"the shell read {line!r}"
        warnings.warn(f"input left in the terminal after bastion exited: {line[:-16]!r}",
                      stacklevel=2)
    return screen




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
def make_tmux(tmp_path: Path) -> Iterator[Callable[..., Tmux]]:
    servers: list[Tmux] = []

    def make(env: dict[str, str], term: str = "xterm-256color") -> Tmux:
        server = Tmux(tmp_path, env, term)
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
    pane_keyring: KeyringForPanes, make_tmux: Callable[..., Tmux],
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
    pane_keyring: KeyringForPanes, make_tmux: Callable[..., Tmux],
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


# ---------------------------------------------------------------------------
# Terminal types, colours and the clipboard (issue 7)
# ---------------------------------------------------------------------------

STEP_TIMEOUT = 10.0  # one step of a walkthrough: a key and what it shows
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
EXTENDED_COLOUR = ("38", "48", "58")  # 256-colour and truecolour: 38;5;N, 38;2;R;G;B (or with colons)


def sgr_items(params: str) -> Iterator[str]:
    """The attributes of one SGR sequence: "1", "31", "38;5;188", "48;2;1;2;3", "0" for a reset."""
    parts = params.split(";") if params else ["0"]
    index = 0
    while index < len(parts):
        part = parts[index] or "0"
        index += 1
        if part in EXTENDED_COLOUR and index < len(parts):
            size = {"5": 2, "2": 4}.get(parts[index], 1)
            part = ";".join([part, *parts[index:index + size]])
            index += size
        yield part


def colour_attributes(capture: str) -> list[str]:
    """Every colour an SGR sequence in `capture` sets, the defaults (39, 49, 59) left out."""
    return [item for match in SGR.finditer(capture) for item in sgr_items(match.group(1))
            if item.split(":")[0].split(";")[0] in EXTENDED_COLOUR
            or (item.isdigit() and (30 <= int(item) <= 37 or 40 <= int(item) <= 47
                                    or 90 <= int(item) <= 97 or 100 <= int(item) <= 107))]


def background_share(capture: str) -> float:
    """The share of the characters in a `capture-pane -e` text drawn on a background
    colour of the program's own rather than the terminal's default background (tmux
    carries the attributes over from one line to the next)."""
    background: str | None = None
    coloured = total = 0
    position = 0
    for match in [*SGR.finditer(capture), None]:
        text = capture[position:match.start() if match else len(capture)]
        cells = len(text.replace("\n", ""))
        total += cells
        coloured += cells if background else 0
        if match is None:
            break
        position = match.end()
        for item in sgr_items(match.group(1)):
            code = item.split(":")[0].split(";")[0]
            if code in ("0", "49"):
                background = None
            elif code == "48" or (code.isdigit() and (40 <= int(code) <= 47 or 100 <= int(code) <= 107)):
                background = item
    return coloured / total if total else 0.0


def assert_ansi16_theme(capture: str, screen: str) -> None:
    """What bastion-ansi16 looks like: only the 16 ANSI colours, and the terminal's
    own background behind most of the screen. (Not the 16 colours alone: Rich
    also downgrades bastion-dark to 16 colours on such a terminal, but paints
    its background black everywhere. The SQL editor keeps a black background
    of its own in either theme: about a quarter of the screen on the Query pane.)"""
    extended = sorted({c for c in colour_attributes(capture) if c.startswith(EXTENDED_COLOUR)})
    assert not extended, f"256-colour or truecolour attributes {extended} on a 16-colour terminal; screen:\n{screen}"
    share = background_share(capture)
    assert share < 0.5, (f"{share:.0%} of the screen on a background of bastion's own, not the terminal's: "
                          f"not the ANSI-16 theme; screen:\n{screen}")


def assert_no_colour(capture: str, screen: str) -> None:
    colours = sorted(set(colour_attributes(capture)))
    assert not colours, f"NO_COLOR is set, yet the screen has colours {colours}; screen:\n{screen}"


def socket_profiles(tmp_path: Path, cluster: LocalCluster, database: str, name: str = "local") -> Path:
    """A profiles file with one profile over the trusted unix socket (no password, no keyring)."""
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "profiles:\n"
        f"  {name}:\n"
        f"    host: {cluster.socket_dir}\n"
        f"    port: {cluster.port}\n"
        f"    database: {database}\n"
        f"    user: {cluster.superuser}\n"
        "    password: none\n"
    )
    return profiles


def socket_header(cluster: LocalCluster, name: str = "local") -> Callable[[str], bool]:
    return header_shown(name, f"{cluster.superuser}@local socket:{cluster.port}/")


def line_with(*patterns: str) -> Callable[[str], bool]:
    """Ready when one line of the screen matches every regex in `patterns`."""
    compiled = [re.compile(p) for p in patterns]

    def ready(screen: str) -> bool:
        return any(all(c.search(line) for c in compiled) for line in screen.splitlines())

    return ready


def all_of(*conditions: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda screen: all(condition(screen) for condition in conditions)


def footer(*words: str, first: str | None = None) -> Callable[[str], bool]:
    """Ready when the last line (the key footer, which tells where the focus is)
    shows all of `words`, and starts with `first` if given."""

    def ready(screen: str) -> bool:
        last = (screen.rstrip("\n").splitlines() or [""])[-1]
        return all(w in last for w in words) and (first is None or last.lstrip().startswith(first))

    return ready


def workspace_shown(cluster: LocalCluster) -> Callable[[str], bool]:
    """The workspace of the `local` socket profile, drawn whole: the header, the
    pane tabs, the footer (Textual paints a new screen in more than one go)."""
    return all_of(socket_header(cluster), line_with(r"Browse\s+Query\s+Migrations\s+Activity"),
                  line_with(r"Pick a table"), footer("palette"))


class Walk:
    """Steps through the app, keeping every screen (plain and with attributes) it
    waited for, also as files in `folder`, for a look after a failure."""

    def __init__(self, tmux: Tmux, folder: Path) -> None:
        self.tmux = tmux
        self.folder = folder
        folder.mkdir(exist_ok=True)
        self.screens: list[tuple[str, str]] = []

    def step(self, name: str, ready: Callable[[str], bool], timeout: float = STEP_TIMEOUT) -> str:
        screen = wait_for(self.tmux, name, ready, timeout)
        capture = self.tmux.screen_with_attributes()
        self.screens.append((name, screen))
        stem = f"{len(self.screens):02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"
        (self.folder / f"{stem}.txt").write_text(screen)
        (self.folder / f"{stem}.ansi").write_text(capture)
        return screen


class Sleeper:
    """Another session on the database that runs `pg_sleep` until stopped: a row
    the Activity pane has to show."""

    def __init__(self, conninfo: str) -> None:
        import psycopg

        self.conn = psycopg.connect(conninfo, autocommit=True, application_name="e2e-sleeper")
        self.pid = self.conn.info.backend_pid
        self.thread = threading.Thread(target=self._sleep, daemon=True)
        self.thread.start()

    def _sleep(self) -> None:
        try:
            self.conn.execute("select pg_sleep(60)")
        except Exception:  # noqa: BLE001 - cancelled at the end: expected
            pass

    def stop(self) -> None:
        try:
            self.conn.cancel_safe()
        except Exception:  # noqa: BLE001 - gone already: nothing to stop
            pass
        self.thread.join(10)
        self.conn.close()


def test_walkthrough_at_80x24_in_term_screen(
    tmp_path: Path, isolated_env: Path, pg_cluster: LocalCluster, pg_database: str,
    make_tmux: Callable[..., Tmux],
) -> None:
    """Issue 7: connect, browse a table, run a query, copy a cell, activity, quit,
    at 80x24 with TERM=screen (8 colours: the ANSI-16 theme), keys only."""
    import psycopg

    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute("create table customers (id int primary key, name text not null, city text)")
        conn.execute("insert into customers values (1, 'Ada Lovelace', 'London'), "
                     "(2, 'Grace Hopper', 'Arlington'), (3, 'Alan Turing', 'Wilmslow')")
    profiles = socket_profiles(tmp_path, pg_cluster, pg_database)
    tmux = make_tmux(base_env(isolated_env), term="screen")
    tmux.start([*bastion_command(), "--profiles", str(profiles), "local"], cwd=tmp_path)
    walk = Walk(tmux, tmp_path / "screens")
    sleeper = Sleeper(pg_cluster.socket_conninfo(pg_database))
    try:
        # Connect: the workspace, in the ANSI-16 theme.
        screen = walk.step("the workspace", workspace_shown(pg_cluster), CONNECT_TIMEOUT)
        assert tmux.pane_env()["TERM"] == "screen", tmux.pane_env()
        assert_ansi16_theme(tmux.screen_with_attributes(), screen)

        # Browse: the sidebar, the schema, the table, its rows.
        tmux.send("s")
        walk.step("the sidebar focused", footer("Filter", "Refresh"))
        tmux.send("Enter")
        walk.step("the table in the sidebar", line_with(r"customers"))
        tmux.send("Down")
        tmux.send("Enter")
        screen = walk.step("the table's rows in Browse", all_of(
            line_with(r"public\.customers"), line_with(r"\b3 rows\b"), line_with(r"\bid\s+name\s+city\b"),
            line_with(r"\b1\s+Ada Lovelace\s+London\b"), line_with(r"\b2\s+Grace Hopper\s+Arlington\b"),
            line_with(r"\b3\s+Alan Turing\s+Wilmslow\b"),
        ))
        assert_ansi16_theme(tmux.screen_with_attributes(), screen)

        # Query: type, run with ctrl+j, see the column and the value.
        tmux.send("2")
        # The editor has the focus (its footer, not the results'): typed letters are
        # not pane keys (`s` would focus the sidebar).
        walk.step("the query editor", all_of(line_with(r"Query 1"), footer("^j Run", first="f6 Explain")))
        tmux.send("-l", "select 6*7 as answer")
        walk.step("the typed statement", line_with(r"1\s+select 6\*7 as answer"))
        tmux.send("C-j")
        screen = walk.step("the query result", all_of(
            line_with(r"\banswer\b\s*│"), line_with(r"^\s*▕?\s*42\s*│"), line_with(r"SELECT 1\b.*\b1 rows?\b"),
        ))
        assert_ansi16_theme(tmux.screen_with_attributes(), screen)

        # Copy the cell (esc leaves the editor for the results; y copies, by OSC 52).
        tmux.send("Escape")
        walk.step("the results focused", footer("y Copy cell", first="⏎ View value"))
        tmux.send("y")
        walk.step("the copy notice", line_with(r"Cell copied\."))
        if not wait_until(lambda: tmux.paste_buffer() == "42", STEP_TIMEOUT):
            pytest.fail(f"tmux got no OSC 52 copy of '42' (its buffer: {tmux.paste_buffer()!r}); "
                        f"screen:\n{tmux.screen()}")

        # Activity: the session list, with the sleeping session in it.
        tmux.send("4")
        screen = walk.step("the sleeping session in Activity", all_of(
            line_with(r"\bsessions \d+/\d+", r"\bactive [1-9]"), line_with(r"\[Sessions\]"),
            line_with(r"\bpid\s+state\s+running\b"), line_with(rf"\b{sleeper.pid}\b", r"\bactive\b"),
        ))
        assert_ansi16_theme(tmux.screen_with_attributes(), screen)

        # Quit: the terminal as it was.
        quit_and_check_terminal(tmux, EXIT_TIMEOUT)
    finally:
        sleeper.stop()


def _term_case(term: str, no_color: bool = False) -> Any:
    return pytest.param(term, no_color, id=term + ("-NO_COLOR" if no_color else ""))


@pytest.mark.parametrize(("term", "no_color"), [
    _term_case("xterm"),
    _term_case("screen"),
    _term_case("tmux-256color"),
    _term_case("xterm-256color"),
    _term_case("xterm-256color", no_color=True),
    _term_case("screen", no_color=True),
])
def test_starts_and_quits_in_each_terminal_type(
    term: str, no_color: bool, tmp_path: Path, isolated_env: Path, pg_cluster: LocalCluster,
    pg_database: str, make_tmux: Callable[..., Tmux],
) -> None:
    """The workspace in each TERM, the theme its colour count calls for, and a clean exit."""
    env = base_env(isolated_env)
    if no_color:
        env["NO_COLOR"] = "1"
    profiles = socket_profiles(tmp_path, pg_cluster, pg_database)
    tmux = make_tmux(env, term=term)
    tmux.start([*bastion_command(), "--profiles", str(profiles), "local"], cwd=tmp_path)
    screen = wait_for(tmux, f"the workspace with TERM={term}", workspace_shown(pg_cluster), CONNECT_TIMEOUT)
    seen = tmux.pane_env()
    assert seen["TERM"] == term and seen["NO_COLOR"] == ("1" if no_color else "<unset>"), seen
    capture = tmux.screen_with_attributes()
    if no_color:
        assert_no_colour(capture, screen)
    elif "256color" in term:
        extended = [c for c in colour_attributes(capture) if c.startswith(EXTENDED_COLOUR)]
        assert extended, f"no 256-colour attributes with TERM={term}; screen:\n{screen}"
    else:
        assert_ansi16_theme(capture, screen)
    quit_and_check_terminal(tmux, EXIT_TIMEOUT)


# ---------------------------------------------------------------------------
# Importing a multi-line paste (a terminal's bracketed paste)
# ---------------------------------------------------------------------------


def test_a_pasted_env_block_is_imported_whole(
    tmp_path: Path, isolated_env: Path, pane_keyring: KeyringForPanes, make_tmux: Callable[..., Tmux],
) -> None:
    import json

    password = f"Pw-{uuid.uuid4().hex[:8]}#x"
    names = [f"paste-{uuid.uuid4().hex[:6]}", f"rep-{uuid.uuid4().hex[:6]}"]
    pane_keyring.created.extend(names)
    upper = [n.upper().replace("-", "_") for n in names]
    pasted = (f"# from the wiki\nexport {upper[0]}__DB_URL='postgresql://app:{password}@db.example/shop'\n"
              f"{upper[1]}_DB_HOST=rep.example {upper[1]}_DB_USER=rep {upper[1]}_DB_NAME=reports\n")
    buffer = tmp_path / "pasted.txt"
    buffer.write_text(pasted)
    profiles = tmp_path / "profiles.yaml"
    tmux = make_tmux({**base_env(isolated_env), **pane_keyring.env})
    tmux.start([*bastion_command(), "--profiles", str(profiles)], cwd=tmp_path)
    wait_for(tmux, "the picker", lambda s: "No profiles yet" in s, CONNECT_TIMEOUT)
    tmux.send("i")
    wait_for(tmux, "the import dialog", lambda s: "Import connections" in s, 10)
    tmux.tmux("load-buffer", "-b", "pasted", str(buffer))
    tmux.tmux("paste-buffer", "-p", "-d", "-b", "pasted", "-t", tmux.session)  # -p: bracketed, as a terminal
    tmux.send("Enter")
    wait_for(tmux, "the preview of both", lambda s: "Will create 2 profiles" in s, 10)
    tmux.send("Enter")
    wait_for(tmux, "both profiles in the picker", lambda s: names[0] in s and names[1] in s and "Will" not in s, 15)
    quit_and_check_terminal(tmux, EXIT_TIMEOUT)
    saved = profiles.read_text()
    assert names[0] in saved and names[1] in saved and password not in saved
    if pane_keyring.real is not None:
        stored = _with_timeout(lambda: pane_keyring.real.get_password(KEYRING_SERVICE, names[0]), 10)
    else:
        stored = json.loads(Path(pane_keyring.env["BASTION_E2E_KEYRING_FILE"]).read_text())[
            f"{KEYRING_SERVICE}\0{names[0]}"]
    assert stored == password
    written = [p for p in [profiles, *isolated_env.rglob("*")] if p.is_file()]
    assert not [p for p in written if password.encode() in p.read_bytes()]


@pytest.mark.parametrize("key", ["M-w", "C-F4"])
def test_the_close_tab_keys_reach_the_query_pane(
    key: str, tmp_path: Path, isolated_env: Path, pg_cluster: LocalCluster, pg_database: str,
    make_tmux: Callable[..., Tmux],
) -> None:
    """alt+w and ctrl+f4 close the editor tab through tmux (ctrl+w is the editor's own)."""
    profiles = socket_profiles(tmp_path, pg_cluster, pg_database)
    tmux = make_tmux(base_env(isolated_env))
    tmux.start([*bastion_command(), "--profiles", str(profiles), "local"], cwd=tmp_path)
    wait_for(tmux, "the workspace", workspace_shown(pg_cluster), CONNECT_TIMEOUT)
    tmux.send("2")
    wait_for(tmux, "the query editor", line_with(r"Query 1"), STEP_TIMEOUT)
    tmux.send("C-t")
    wait_for(tmux, "a second tab", line_with(r"Query 1\s+Query 2"), STEP_TIMEOUT)
    tmux.send("-l", "select 'closing'")
    wait_for(tmux, "its text", line_with(r"1\s+select 'closing'"), STEP_TIMEOUT)
    tmux.send(key)
    screen = wait_for(tmux, "the tab closed", all_of(
        line_with(r"closed Query 2 · its text is in the history"),
        lambda s: not line_with(r"Query 1\s+Query 2")(s) and "select 'closing'" not in s), STEP_TIMEOUT)
    assert "w" not in re.findall(r"^\s*1\s+(\S*)", screen, re.M)[:1]  # alt+w typed nothing
    quit_and_check_terminal(tmux, EXIT_TIMEOUT)
