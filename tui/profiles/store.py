"""The profiles file: load, validate, add, replace (and rename), remove, save.

Saving round-trips the YAML (`tui.profiles.roundtrip`): comments, blank lines, key
order, profiles that fail validation and keys bastion does not know are kept as they
were. Writes are atomic, private and keep a backup.
"""

from __future__ import annotations

import os
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from tui.paths import atomic_write
from tui.profiles.model import MigrationsConfig, Problem, Profile, ProfileFileError, SshConfig
from tui.profiles.parse import compose, parse_profile
from tui.profiles.roundtrip import dump_document, load_document, merge_profile, remove_profile

PROFILE_FILE_ENV = "BASTION_PROFILES"
# A profiles file is a few kilobytes; a bigger one is the wrong file (a dump, a log)
# and would take seconds and much memory to parse.
MAX_PROFILES_FILE_BYTES = 256 * 1024  # ~1,500 profiles; parsed in about half a second


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def profile_to_dict(profile: Profile) -> dict[str, Any]:
    """The YAML mapping for a profile: only keys that differ from the defaults."""
    defaults = Profile(name=profile.name)
    out: dict[str, Any] = {}
    for f in fields(Profile):
        if f.name in ("name", "extra"):
            continue
        value = getattr(profile, f.name)
        if value == getattr(defaults, f.name):
            continue
        if isinstance(value, SshConfig):
            value = {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in vars(value).items()
                if v not in (None, ())
            }
        elif isinstance(value, MigrationsConfig):
            value = {k: v for k, v in vars(value).items() if v is not None}
        out[f.name] = value
    out.update(profile.extra)
    return out


# ---------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------


def default_profiles_path() -> Path:
    """`$BASTION_PROFILES`, else `$XDG_CONFIG_HOME/bastion/profiles.yaml`."""
    from tui.paths import config_dir

    env = os.environ.get(PROFILE_FILE_ENV)
    if env:
        return Path(env).expanduser()
    return config_dir() / "profiles.yaml"


class ProfileStore:
    """The profiles file: load, validate, add, replace, remove, save.

    Profiles that fail validation are not offered for connecting, but their raw
    YAML is kept so a save never drops them. A file that does not parse is never
    overwritten (`writable` is False).
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else default_profiles_path()
        self.profiles: dict[str, Profile] = {}
        self.problems: list[Problem] = []
        self.file_error: ProfileFileError | None = None
        self._raw_profiles: dict[str, Any] = {}
        self._raw_top: dict[str, Any] = {}
        self._text: str | None = None  # the file as read: what a save edits
        self._document: Any = None  # its round-trip document, kept between saves (parsing is most of a save)
        self._writing = threading.Lock()  # the app saves from worker threads: one write at a time

    @property
    def writable(self) -> bool:
        return self.file_error is None

    def load(self) -> ProfileStore:
        """(Re)read the file. Never raises for content problems: see `problems`
        and `file_error`."""
        self.profiles, self.problems, self.file_error = {}, [], None
        self._raw_profiles, self._raw_top, self._text, self._document = {}, {}, None, None
        try:
            size = self.path.stat().st_size
            if size > MAX_PROFILES_FILE_BYTES:
                self.file_error = ProfileFileError(
                    self.path, f"the file is {size // 1024:,} KB, over the {MAX_PROFILES_FILE_BYTES // 1024:,} KB "
                    "limit for a profiles file: is it the right file?")
                return self
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self
        except (OSError, UnicodeDecodeError) as exc:
            self.file_error = ProfileFileError(self.path, f"cannot read: {exc}")
            return self
        self._text = text
        try:
            data, lines = compose(text, self.path)
        except ProfileFileError as exc:
            self.file_error = exc
            return self
        if data is None:
            return self
        if not isinstance(data, dict):
            self.file_error = ProfileFileError(self.path, "expected a mapping with a `profiles:` key", 1)
            return self
        self._raw_top = {k: v for k, v in data.items() if k != "profiles"}
        raw_profiles = data.get("profiles") or {}
        if not isinstance(raw_profiles, dict):
            self.file_error = ProfileFileError(
                self.path, "`profiles` must be a mapping of name: settings", lines.get(("profiles",))
            )
            return self
        for unknown in self._raw_top:
            self.problems.append(
                Problem(self.path, lines.get((str(unknown),)), None, str(unknown),
                        "unknown top-level key (kept)", "warning")
            )
        for name, raw in raw_profiles.items():
            name = str(name)
            self._raw_profiles[name] = raw
            profile, problems = parse_profile(name, raw, self.path, lines)
            self.problems.extend(problems)
            if profile is not None:
                self.profiles[name] = profile
        return self

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def get(self, name: str) -> Profile:
        """The named profile, or KeyError with a message saying what exists."""
        if name in self.profiles:
            return self.profiles[name]
        if name in self._raw_profiles:
            reasons = "; ".join(p.message for p in self.errors() if p.profile == name)
            raise KeyError(f"profile '{name}' is invalid: {reasons}")
        known = ", ".join(sorted(self.profiles)) or "none"
        raise KeyError(f"no profile named '{name}' in {self.path} (known: {known})")

    def names(self) -> list[str]:
        return sorted(self._raw_profiles)

    def put(self, profile: Profile, *, replace_name: str | None = None) -> None:
        """Add or replace a profile (optionally renaming `replace_name`) and save,
        touching only the lines that changed."""
        with self._writing:
            self._edit(lambda document: merge_profile(document, profile, replace_name))
            gone = {replace_name} if replace_name and replace_name != profile.name else set()
            self._swap([profile], gone)

    def put_many(self, profiles: list[Profile]) -> None:
        """Add several profiles in one write: all of them or, on any error, none."""
        def add_all(document: Any) -> None:
            for profile in profiles:
                merge_profile(document, profile)

        with self._writing:
            self._edit(add_all)
            self._swap(profiles, set())

    def remove(self, name: str) -> None:
        """Delete a profile (and its own comments) and save."""
        with self._writing:
            self._require_writable()
            if name not in self._raw_profiles:
                raise KeyError(f"no profile named '{name}' in {self.path}")
            self._edit(lambda document: remove_profile(document, name))
            self._swap([], {name})

    def _swap(self, added: list[Profile], gone: set[str]) -> None:
        # New dicts, then one assignment each: a writer thread (see put) never changes
        # a dict the UI thread may be iterating.
        raw = {name: value for name, value in self._raw_profiles.items() if name not in gone}
        profiles = {name: value for name, value in self.profiles.items() if name not in gone}
        for profile in added:
            raw[profile.name] = profile_to_dict(profile)
            profiles[profile.name] = profile
        self._raw_profiles, self.profiles = raw, profiles

    def save(self) -> None:
        """Write the file as it was read (normalised by the YAML library)."""
        with self._writing:
            self._edit(lambda document: None)

    def _edit(self, change: Any) -> None:
        self._require_writable()
        from ruamel.yaml import YAMLError

        document, self._document = self._document, None  # dropped unless this save succeeds
        try:
            if document is None:
                document = load_document(self._text)
            change(document)
            text = dump_document(document)
        except YAMLError as exc:
            raise ProfileFileError(self.path, f"not saving: the YAML cannot be edited ({exc})") from None
        atomic_write(self.path, text)
        self._text, self._document = text, document

    def _require_writable(self) -> None:
        if self.file_error is not None:
            raise ProfileFileError(
                self.path,
                f"not saving: the file has an error to fix first ({self.file_error.message})",
                self.file_error.line,
                self.file_error.column,
            )
