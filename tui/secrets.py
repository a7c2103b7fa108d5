"""Passwords: the OS keyring with a bounded wait, an in-memory fallback, redaction.

Passwords live in the keyring (service `bastion`, user name = profile name) or,
where no usable keyring exists, in this process's memory for the session only.
They are never written anywhere else, and `redact()` scrubs them from any text
that is shown or written (DSNs, error messages, crash reports).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

KEYRING_SERVICE = "bastion"
KEYRING_TIMEOUT = 3.0  # seconds; a half-configured D-Bus can block forever

T = TypeVar("T")


class KeyringUnavailable(Exception):
    """No usable keyring: carries a one-line reason and how to get one."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)

    @property
    def advice(self) -> str:
        return (
            f"No usable OS keyring ({self.reason}); passwords are kept in memory for "
            "this session only. To remember them, run a Secret Service (e.g. "
            "gnome-keyring) or choose a backend with PYTHON_KEYRING_BACKEND."
        )


def _call_with_timeout(func: Callable[[], T], timeout: float) -> T:
    """Run `func` in a daemon thread; give up after `timeout` seconds."""
    future: Future[T] = Future()

    def runner() -> None:
        try:
            future.set_result(func())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            future.set_exception(exc)

    threading.Thread(target=runner, name="keyring-call", daemon=True).start()
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        raise KeyringUnavailable(f"the keyring did not answer within {timeout:g} s") from None


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if name == "NoKeyringError":
        return "no keyring backend is available (headless host, no D-Bus session?)"
    if name == "KeyringLocked":
        return "the keyring is locked"
    return f"{name}: {text}" if text else name


class KeyringStore:
    """The OS keyring as chosen by the `keyring` package (so PYTHON_KEYRING_BACKEND
    and keyringrc.cfg keep working), every call bounded by a timeout.

    Every failure becomes `KeyringUnavailable`; after the first one the store
    remembers it and stops trying, so the user is told once.
    """

    def __init__(self, timeout: float = KEYRING_TIMEOUT):
        self.timeout = timeout
        self.unavailable: KeyringUnavailable | None = None

    def _call(self, action: Callable[[Any], T]) -> T:
        if self.unavailable is not None:
            raise self.unavailable

        def run() -> T:
            import keyring
            import keyring.backends.fail

            backend = keyring.get_keyring()
            if isinstance(backend, keyring.backends.fail.Keyring):
                raise KeyringUnavailable(
                    "no keyring backend is available (headless host, no D-Bus session?)"
                )
            return action(backend)

        try:
            return _call_with_timeout(run, self.timeout)
        except KeyringUnavailable as exc:
            self.unavailable = exc
            raise
        except Exception as exc:  # noqa: BLE001 - any backend failure means "unusable"
            self.unavailable = KeyringUnavailable(_describe(exc))
            raise self.unavailable from None

    def get(self, profile_name: str) -> str | None:
        return self._call(lambda kr: kr.get_password(KEYRING_SERVICE, profile_name))

    def set(self, profile_name: str, password: str) -> None:
        self._call(lambda kr: kr.set_password(KEYRING_SERVICE, profile_name, password))

    def delete(self, profile_name: str) -> bool:
        """Remove the entry; False if there was none."""

        def remove(kr: Any) -> bool:
            import keyring.errors

            try:
                kr.delete_password(KEYRING_SERVICE, profile_name)
                return True
            except keyring.errors.PasswordDeleteError:
                return False

        return self._call(remove)

    def backend_name(self) -> str:
        return self._call(lambda kr: f"{type(kr).__module__}.{type(kr).__name__}")


@dataclass
class PasswordVault:
    """Where the app gets and keeps passwords: the keyring first, memory second.

    Memory holds passwords typed at a prompt (or from an ad-hoc URL) for this
    process only; they are forgotten on exit and scrubbed from crash reports.
    """

    keyring: KeyringStore = field(default_factory=KeyringStore)
    _memory: dict[str, str] = field(default_factory=dict)
    _seen: set[str] = field(default_factory=set)

    def lookup(self, profile_name: str, use_keyring: bool = True) -> str | None:
        """A known password for the profile, or None. Keyring failures are
        recorded in `keyring.unavailable`, never raised."""
        if profile_name in self._memory:
            return self._memory[profile_name]
        if not use_keyring:
            return None
        try:
            password = self.keyring.get(profile_name)
        except KeyringUnavailable:
            return None
        if password:
            self._seen.add(password)
        return password

    def remember(self, profile_name: str, password: str, persist: bool) -> bool:
        """Keep a password that has just authenticated. With `persist`, also save
        it in the keyring; returns True if it was saved there."""
        self._memory[profile_name] = password
        self._seen.add(password)
        if not persist:
            return False
        try:
            self.keyring.set(profile_name, password)
            return True
        except KeyringUnavailable:
            return False

    def forget(self, profile_name: str) -> None:
        """Drop the in-memory copy (e.g. after it failed to authenticate)."""
        self._memory.pop(profile_name, None)

    def known_secrets(self) -> set[str]:
        """Every password this process has handled, for scrubbing."""
        return set(self._seen) | set(self._memory.values())

    def note(self, secret: str) -> None:
        """Register a secret seen elsewhere (e.g. in an imported URL) for scrubbing."""
        if secret:
            self._seen.add(secret)


# ---------------------------------------------------------------------------
# Redaction
# ---------------------------------------------------------------------------

MASK = "***"
_URI_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/?#@\s]*):(?P<pw>[^@/\s]*)@")
_KV_PASSWORD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|sslpassword|PGPASSWORD)\s*[=:]\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\"[^\"]*\"|[^\s&;,]+)",
    re.IGNORECASE,
)


def redact(text: str, secrets: set[str] | frozenset[str] = frozenset()) -> str:
    """Mask passwords in DSNs/URIs/key=value strings and any known secret."""
    text = _URI_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _KV_PASSWORD.sub(lambda m: f"{m['key']}{MASK}", text)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text
