"""Passwords: the OS keyring with a bounded wait, an in-memory fallback, redaction.

Passwords live in the keyring (service `bastion`, user name = profile name) or,
where no usable keyring exists, in this process's memory for the session only.
They are never written anywhere else, and `redact()` scrubs them from any text
that is shown or written (DSNs, error messages, crash reports); `redact_sql()`
masks password literals in SQL before the editor's autosave and history write it.
"""

from __future__ import annotations

import functools
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

    def rename(self, old_name: str, new_name: str) -> bool:
        """Move a renamed profile's password (memory and keyring) to the new name;
        the old keyring entry is deleted only once the new one is saved. Blocking
        (keyring calls): run it in a worker. True if a keyring entry moved."""
        if old_name in self._memory:
            self._memory[new_name] = self._memory.pop(old_name)
        try:
            password = self.keyring.get(old_name)
            if not password:
                return False
            self.keyring.set(new_name, password)
            self.keyring.delete(old_name)
        except KeyringUnavailable:
            return False
        return True

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


# ---------------------------------------------------------------------------
# Redacting SQL before it reaches disk (editor autosave, history)
# ---------------------------------------------------------------------------

# One lexical piece of SQL: a comment, a string literal (E'', '', dollar-quoted), a
# psql backslash command line, or anything else up to the next such piece.
_SQL_TOKEN = re.compile(
    r"""
      (?P<line_comment>--[^\n]*)
    | (?P<block_comment>/\*.*?(?:\*/|\Z))
    | (?P<dollar>\$(?P<tag>[A-Za-z_][A-Za-z0-9_]*)?\$.*?(?:\$(?P=tag)?\$|\Z))
    | (?P<escaped>[Ee]'(?:[^'\\]|\\.|'')*(?:'|\Z))
    | (?P<quoted>'(?:[^']|'')*(?:'|\Z))
    | (?P<meta>\\[^\n]*)
    | (?P<semicolon>;)
    | (?P<other>\w+|[^-/$';\\\w]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_]+")
_SECRET_WORDS = ("password", "passwd", "encrypted")
_ROLE_WORDS = frozenset({"role", "user", "group", "mapping", "subscription", "server"})
_DDL_WORDS = ("create", "alter")


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (tiny strings only: keywords)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


@functools.lru_cache(maxsize=4096)
def _near(word: str, keywords: tuple[str, ...], slack: int) -> bool:
    return any(abs(len(word) - len(k)) <= slack and _edit_distance(word, k) <= slack for k in keywords)


def _mentions_password(text: str) -> bool:
    """A word that is, or is a typo of, PASSWORD / PASSWD / ENCRYPTED (or contains one)."""
    for word in _WORD.findall(text.lower()):
        if "passw" in word or "pwd" in word or _near(word, _SECRET_WORDS, 2):
            return True
    return False


def _is_sensitive_statement(code: str) -> bool:
    """Code (literals and comments removed) that may carry a password in its literals:
    it mentions a password keyword (even misspelt), or creates/alters a role, user,
    user mapping, subscription or server."""
    if _mentions_password(code):
        return True
    words = {w.lower() for w in _WORD.findall(code)}
    return bool(words & _ROLE_WORDS) and any(_near(w, _DDL_WORDS, 1) for w in words)


def _redact_literal(literal: str, sensitive: bool, code_sensitive: bool) -> str:
    """A string literal with its password masked, keeping the quoting. `code_sensitive`:
    the statement itself (outside literals) may set a password; `sensitive`: it or
    one of its literals may."""
    if literal.startswith("$"):
        tag_end = literal.index("$", 1) + 1
        tag = literal[:tag_end]
        closed = len(literal) >= 2 * len(tag) and literal.endswith(tag)
        body = literal[tag_end:len(literal) - len(tag)] if closed else literal[tag_end:]
        if code_sensitive:
            return f"{tag}{MASK}{tag}"
        # A function body or DO block: it is SQL, redacted the same way.
        return tag + redact_sql(body) + (tag if closed else "")
    prefix = literal[0] if literal[0] in "Ee" else ""
    if sensitive:
        return f"{prefix}'{MASK}'"
    masked = redact(literal)  # password=… in a conninfo, user:pw@ in a URL
    if masked == literal and _mentions_password(literal):
        return f"{prefix}'{MASK}'"  # a password mentioned in a form we do not parse: the whole literal
    return masked


_LITERALS = ("quoted", "escaped", "dollar")


def _redact_statement_pieces(pieces: list[tuple[str, str]]) -> str:
    code = "".join(text if kind in ("other", "semicolon") else " " for kind, text in pieces)
    # A literal that names a password in a form `redact` cannot mask (e.g. SQL run by
    # EXECUTE) makes the whole statement sensitive.
    unmasked = [text for kind, text in pieces if kind in _LITERALS and redact(text) == text]
    code_sensitive = _is_sensitive_statement(code)
    sensitive = code_sensitive or any(_mentions_password(text) for text in unmasked)
    out = []
    for kind, text in pieces:
        if kind in _LITERALS:
            out.append(_redact_literal(text, sensitive, code_sensitive))
        elif kind in ("line_comment", "block_comment") and _mentions_password(text):
            out.append(f"-- {MASK}" if kind == "line_comment" else f"/* {MASK} */")
        elif kind == "meta" and _mentions_password(text):
            command = text.split(None, 1)[0] if text.strip() else text
            out.append(f"{text[:len(text) - len(text.lstrip())]}{command} {MASK}")
        else:
            out.append(text)
    return "".join(out)


def redact_sql(sql: str) -> str:
    """SQL as it may be written to disk: every password literal masked.

    Errs on the side of masking: in a statement that mentions PASSWORD, PASSWD or
    ENCRYPTED (even misspelt) or that creates or alters a role, user, user mapping,
    subscription or server, every string literal becomes '***'; elsewhere,
    `password=` in a conninfo literal and `user:pw@` in a URL are masked, as are
    comments and psql backslash commands (`\\password`) that mention a password.
    """
    pieces: list[tuple[str, str]] = []
    statements: list[str] = []
    for match in _SQL_TOKEN.finditer(sql):
        kind = match.lastgroup or "other"
        if kind == "tag":
            kind = "dollar"
        pieces.append((kind, match.group(kind)))
        if kind in ("semicolon", "meta"):
            statements.append(_redact_statement_pieces(pieces))
            pieces = []
    unterminated = bool(pieces) and _is_unterminated(*pieces[-1])
    statements.append(_redact_statement_pieces(pieces))
    redacted = "".join(statements)
    if unterminated:
        # A quote being typed shifts what looks quoted below it, so a password
        # literal further down can read as code: mask after every password word.
        redacted = "\n".join(_mask_after_password_word(line) for line in redacted.split("\n"))
    return redact(redacted)


def _is_unterminated(kind: str, text: str) -> bool:
    """A literal or block comment the text ends inside of."""
    if kind in ("quoted", "escaped"):
        body = text[1:] if kind == "quoted" else text[2:]
        closing_quotes = len(body) - len(body.rstrip("'"))
        return closing_quotes % 2 == 0  # '' inside a literal is a quote, not its end
    if kind == "dollar":
        tag = text[: text.index("$", 1) + 1]
        return len(text) < 2 * len(tag) or not text.endswith(tag)
    return kind == "block_comment" and not text.endswith("*/")


def _mask_after_password_word(line: str) -> str:
    for word in _WORD.finditer(line):
        if _mentions_password(word.group()):
            return f"{line[:word.end()]} {MASK}" if line[word.end():].strip() else line
    return line
