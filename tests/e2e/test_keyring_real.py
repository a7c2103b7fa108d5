"""The OS keyring for real: a Secret Service over D-Bus (gnome-keyring under
`.ci/test`), driven through the `bastion` command as a user would.

Tests that need the real keyring skip, with the reason, when `keyring` does not
pick a working Secret Service (no D-Bus session, no daemon, locked keyring).
Entries they create have unique names and are deleted afterwards, so running
this file on a desktop never touches the user's own `bastion` entries.

The last test needs no keyring at all: it checks the fallback when there is none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
import pytest

from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.secrets import KEYRING_SERVICE, KeyringStore, PasswordVault

pytestmark = pytest.mark.keyring_real

# isolated_env (conftest) moves the XDG dirs but must leave the session bus alone.
SESSION_BUS_AT_IMPORT = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
PROBE_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def bastion_command() -> list[str]:
    """The installed console script next to this Python, else `python -m tui`."""
    script = Path(sys.executable).with_name("bastion")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "tui"]


def run_bastion(*args: str, stdin: str = "", env: dict[str, str] | None = None,
                ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*bastion_command(), *args], input=stdin, capture_output=True, text=True,
        timeout=CLI_TIMEOUT, env=dict(os.environ) if env is None else env,
    )


def unique_name(prefix: str) -> str:
    return f"bastion-test-{prefix}-{uuid.uuid4().hex[:10]}"


def unique_secret() -> str:
    return f"secret-{uuid.uuid4().hex}"


def files_containing(root: Path, needle: str) -> list[Path]:
    """Every regular file under `root` whose bytes contain `needle`."""
    data = needle.encode()
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                if data in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


def _with_timeout(func: Callable[[], Any], timeout: float) -> Any:
    """Run a keyring call in a daemon thread: a half-configured D-Bus can block."""
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
        raise TimeoutError(f"the keyring did not answer within {timeout:g} s")
    if "error" in result:
        raise result["error"]
    return result.get("value")


def find_secret_service() -> tuple[Any, str | None]:
    """(the working Secret Service backend, None), or (None, why not).

    `keyring.get_keyring()` is either the Secret Service itself or keyring's
    ChainerBackend over every viable backend, the Secret Service among them.
    (In this test process the chain also holds the suite's own test backends,
    which register themselves with keyring: so the tests below talk to the
    Secret Service instance directly, and pin it with `keyring.set_keyring`.)
    """
    try:
        from keyring.backends import SecretService
        from keyring.backends.chainer import ChainerBackend
    except ImportError as exc:  # pragma: no cover - secretstorage missing
        return None, f"keyring's SecretService backend cannot be imported ({exc})"
    backend = keyring.get_keyring()
    candidates = backend.backends if isinstance(backend, ChainerBackend) else [backend]
    found = [kr for kr in candidates if isinstance(kr, SecretService.Keyring)]
    if not found:
        bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        return None, (
            "no Secret Service: keyring picked "
            f"{type(backend).__module__}.{type(backend).__name__} "
            f"({'DBUS_SESSION_BUS_ADDRESS is unset' if not bus else 'no secrets daemon on the bus'}"
            "); .ci/test runs these under dbus-run-session with gnome-keyring"
        )
    chosen = found[0]
    probe_user = f"probe-{uuid.uuid4().hex}"

    def probe() -> str | None:
        chosen.set_password(KEYRING_SERVICE, probe_user, "probe")
        try:
            return chosen.get_password(KEYRING_SERVICE, probe_user)
        finally:
            chosen.delete_password(KEYRING_SERVICE, probe_user)

    try:
        value = _with_timeout(probe, PROBE_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return None, f"the Secret Service does not work: {type(exc).__name__}: {exc}"
    if value != "probe":
        return None, "the Secret Service did not return what was stored in it"
    return chosen, None


_FOUND: list[tuple[Any, str | None]] = []


@pytest.fixture
def real_keyring() -> Iterator[Any]:
    """The working Secret Service backend, also made this process's keyring for
    the test (KeyringStore uses keyring.get_keyring()). Skips when there is none."""
    assert os.environ.get("DBUS_SESSION_BUS_ADDRESS") == SESSION_BUS_AT_IMPORT, (
        "isolated_env must not change DBUS_SESSION_BUS_ADDRESS"
    )
    if not _FOUND:
        _FOUND.append(find_secret_service())
    backend, problem = _FOUND[0]
    if backend is None:
        pytest.skip(problem)
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def created(real_keyring: Any) -> Iterator[list[str]]:
    """Profile names whose keyring entries the test may create: cleaned up after."""
    names: list[str] = []
    yield names
    for name in names:
        try:
            _with_timeout(lambda n=name: real_keyring.delete_password(KEYRING_SERVICE, n),
                          PROBE_TIMEOUT)
        except keyring.errors.PasswordDeleteError:
            pass


# ---------------------------------------------------------------------------
# With a real Secret Service
# ---------------------------------------------------------------------------


def test_set_password_and_forget_password(
    real_keyring: Any, created: list[str], profiles_file: Path
) -> None:
    name, secret = unique_name("setpw"), unique_secret()
    created.append(name)
    added = run_bastion("profiles", "--profiles", str(profiles_file), "add", name,
                        "--host", "127.0.0.1", "--port", "5432", "--database", "app",
                        "--user", "app")
    assert added.returncode == 0, added.stderr

    stored = run_bastion("profiles", "--profiles", str(profiles_file), "set-password", name,
                         "--no-verify", stdin=secret + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "saved to the OS keyring" in stored.stdout
    assert secret not in stored.stdout + stored.stderr
    assert KeyringStore().get(name) == secret
    assert real_keyring.get_password(KEYRING_SERVICE, name) == secret
    assert secret.encode() not in profiles_file.read_bytes()

    forgotten = run_bastion("profiles", "--profiles", str(profiles_file), "forget-password", name)
    assert forgotten.returncode == 0, forgotten.stderr
    assert "removed from the OS keyring" in forgotten.stdout
    assert KeyringStore().get(name) is None
    assert real_keyring.get_password(KEYRING_SERVICE, name) is None

    again = run_bastion("profiles", "--profiles", str(profiles_file), "forget-password", name)
    assert again.returncode == 0, again.stderr
    assert "was not in the OS keyring" in again.stdout


def test_import_url_puts_password_in_keyring_only(
    real_keyring: Any, created: list[str], profiles_file: Path, pg_cluster: LocalCluster, tmp_path: Path
) -> None:
    name, secret = unique_name("import"), unique_secret()
    created.append(name)
    url = f"postgresql://u:{secret}@127.0.0.1:{pg_cluster.port}/db"

    result = run_bastion("profiles", "--profiles", str(profiles_file), "import", url,
                         "--name", name)

    assert result.returncode == 0, result.stderr
    assert "password saved to the OS keyring" in result.stdout
    assert secret not in result.stdout + result.stderr
    assert profiles_file.is_file()
    assert secret.encode() not in profiles_file.read_bytes()
    assert files_containing(tmp_path, secret) == []
    profile = ProfileStore(profiles_file).load().get(name)
    assert profile.password == "keyring"
    assert (profile.host, profile.port, profile.user, profile.database) == (
        "127.0.0.1", pg_cluster.port, "u", "db")
    assert KeyringStore().get(name) == secret
    assert real_keyring.get_password(KEYRING_SERVICE, name) == secret


def test_keyring_profile_connects_with_password_from_real_keyring(
    real_keyring: Any, created: list[str], pg_profile: Profile, pg_cluster: LocalCluster, profiles_file: Path
) -> None:
    from tui.services.connect import connect_first_try

    profile = pg_profile.with_changes(name=unique_name("connect"))
    created.append(profile.name)
    ProfileStore(profiles_file).load().put(profile)

    # Verified against the server before it is stored.
    stored = run_bastion("profiles", "--profiles", str(profiles_file), "set-password",
                         profile.name, stdin=pg_cluster.password + "\n")
    assert stored.returncode == 0, stored.stderr
    assert real_keyring.get_password(KEYRING_SERVICE, profile.name) == pg_cluster.password

    vault = PasswordVault()
    connected = connect_first_try(profile, vault)
    try:
        assert connected.database.info.current_user == pg_cluster.superuser
        assert connected.database.info.database == pg_profile.database
        assert connected.keyring_note is None
        assert vault.keyring.unavailable is None
    finally:
        connected.database.close()

    # And another process (the CLI) finds it in the keyring too.
    tested = run_bastion("profiles", "--profiles", str(profiles_file), "test", profile.name)
    assert tested.returncode == 0, tested.stderr
    assert tested.stdout.splitlines()[-1] == "OK"
    assert "password from the OS keyring" in tested.stdout
    assert pg_cluster.password not in tested.stdout + tested.stderr


# ---------------------------------------------------------------------------
# With no keyring at all
# ---------------------------------------------------------------------------


def test_import_without_any_keyring_falls_back_to_prompt(isolated_env: Path, tmp_path: Path) -> None:
    secret = unique_secret()
    env = dict(os.environ, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")

    result = run_bastion("profiles", "import", f"postgresql://u:{secret}@h/db", env=env)

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "password NOT saved" in output
    assert "you will be asked for it" in output
    assert secret not in output
    store = ProfileStore().load()  # the default file under $XDG_CONFIG_HOME
    assert store.path.is_relative_to(isolated_env)
    assert store.path.is_file()
    profile = store.get("db")
    assert profile.password == "prompt"
    assert (profile.host, profile.user, profile.database) == ("h", "u", "db")
    assert files_containing(tmp_path, secret) == []


def test_import_compose_file_puts_each_password_in_the_real_keyring_only(
    real_keyring: Any, created: list[str], profiles_file: Path, tmp_path: Path
) -> None:
    prefix, first, second = unique_name("compose"), unique_secret() + "@:/%#", unique_secret()
    created.extend([f"{prefix}-db", f"{prefix}-web"])
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  db:\n    image: postgres:16\n    ports: ['5433:5432']\n    environment:\n"
        f"      POSTGRES_PASSWORD: '{first}'\n"
        f"  web:\n    environment:\n      - DB_HOST=db\n      - DB_USER=web\n      - DB_PASSWORD={second}\n"
    )
    result = run_bastion("profiles", "--profiles", str(profiles_file), "import", str(compose),
                         "--name", prefix, "--yes")
    assert result.returncode == 0, result.stderr
    assert first not in result.stdout + result.stderr and second not in result.stdout + result.stderr
    assert real_keyring.get_password(KEYRING_SERVICE, f"{prefix}-db") == first
    assert real_keyring.get_password(KEYRING_SERVICE, f"{prefix}-web") == second
    assert ProfileStore(profiles_file).load().get(f"{prefix}-db").port == 5433
    written = [profiles_file, *profiles_file.parent.rglob("*")]
    assert not [p for p in written if p.is_file() and p != compose
                and (first.encode() in p.read_bytes() or second.encode() in p.read_bytes())]
