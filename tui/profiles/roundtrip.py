"""Editing the profiles file the way a person would: ruamel.yaml's round-trip
document, so a save keeps comments, key order, blank lines, quoting and unknown keys.

Only what changed is touched: a key whose value still reads the same (`port: "5432"`,
`read_only: yes`) stays as written; a key back at its default is removed only if it
no longer reads as that default. Comments that ruamel attaches to the end of a
deleted entry (the comment above the *next* entry) are handed to the entry before it.
"""

from __future__ import annotations

import io
from dataclasses import fields
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from tui.profiles.model import MigrationsConfig, Profile, SshConfig
from tui.profiles.parse import PROFILE_RULES, BadValue, Rule, Section

HEADER = (
    "# bastion connection profiles: see profiles.example.yaml for every key.\n"
    "# Passwords are never stored here (OS keyring, prompt, .pgpass or env).\n"
)
_MISSING = object()


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.allow_duplicate_keys = True  # PyYAML (which validates) takes the last one too
    yaml.width = 4096  # never fold a long value (a URL, options) onto two lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load_document(text: str | None) -> CommentedMap:
    """The file's round-trip document (a fresh one with the usual header for no file)."""
    document = _yaml().load(text) if text and text.strip() else None
    if document is None:
        document = _yaml().load(HEADER + "profiles:\n  placeholder: {}\n")
        del document["profiles"]["placeholder"]
    if "profiles" not in document or not isinstance(document["profiles"], CommentedMap):
        document["profiles"] = CommentedMap()
    return document


def dump_document(document: CommentedMap) -> str:
    """The document as text, with the layout it was read with."""
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue().replace("profiles: {}\n", "profiles:\n")


def _plain(value: Any) -> Any:
    """A dataclass field value as YAML data (tuples as lists, sections as mappings)."""
    if isinstance(value, (SshConfig, MigrationsConfig)):
        mapping = CommentedMap()
        for k, v in vars(value).items():
            if v not in (None, ()):
                mapping[k] = _plain(v)
        return mapping
    if isinstance(value, tuple):
        return list(value)
    return value


def _reads_as(rule: Rule | None, old: Any, new: Any) -> bool:
    """Whether the value written in the file still means `new`."""
    if old == new:
        return True
    if rule is None or rule.read is None or old is None:
        return False
    try:
        return rule.read(rule, old) == new
    except (BadValue, TypeError, ValueError):
        return False


def _section_value(section: Section, raw: Any) -> Any:
    if isinstance(raw, str):
        raw = {section.shorthand: raw}
    if not isinstance(raw, dict):
        return _MISSING
    try:
        return section.build(**{str(k): (tuple(v) if isinstance(v, list) else v) for k, v in raw.items()})
    except TypeError:
        return _MISSING


def _merge_section(entry: CommentedMap, key: str, section: Section, value: Any, owner: Owner) -> None:
    old = entry.get(key, _MISSING)
    if old is not _MISSING and _section_value(section, old) == value:
        return
    if value is None:
        if old is not _MISSING:
            delete_key(entry, key, owner)
        return
    if not isinstance(old, CommentedMap):
        set_key(entry, key, _plain(value))
        return
    for sub in section.rules:
        new_sub = getattr(value, sub)
        if new_sub in (None, ()):
            if sub in old:
                delete_key(old, sub, (entry, key))
        elif not _reads_as(section.rules[sub], old.get(sub, _MISSING), new_sub):
            set_key(old, sub, _plain(new_sub))


def merge_profile(document: CommentedMap, profile: Profile, replace_name: str | None = None) -> None:
    """Write `profile` into the document's `profiles` mapping, in place of
    `replace_name` (a rename keeps its position and comments) or of its own entry."""
    profiles = document["profiles"]
    old_name = replace_name if replace_name in profiles else profile.name
    if old_name in profiles and old_name != profile.name:
        if profile.name in profiles:
            delete_key(profiles, profile.name, (document, "profiles"))
        rename_key(profiles, old_name, profile.name)
    entry = profiles.get(profile.name)
    is_new = not isinstance(entry, CommentedMap)
    if is_new:
        entry = CommentedMap()
    owner = (profiles, profile.name)
    defaults = Profile(name=profile.name)
    for f in fields(Profile):
        if f.name in ("name", "extra"):
            continue
        rule = PROFILE_RULES[f.name]
        value = getattr(profile, f.name)
        if rule.section is not None:
            _merge_section(entry, f.name, rule.section, value, owner)
            continue
        old = entry.get(f.name, _MISSING)
        if old is not _MISSING and _reads_as(rule, old, value):
            continue
        if value == getattr(defaults, f.name) or value is None:
            if old is not _MISSING:
                delete_key(entry, f.name, owner)
        else:
            set_key(entry, f.name, _plain(value))
    for key in [k for k in entry if str(k) not in PROFILE_RULES and str(k) not in profile.extra]:
        delete_key(entry, key, owner)
    for key, value in profile.extra.items():
        if entry.get(key, _MISSING) != value:
            set_key(entry, key, value)
    if is_new:
        set_key(profiles, profile.name, entry)


def remove_profile(document: CommentedMap, name: str) -> None:
    """Delete the named profile with its own comments, keeping the next one's."""
    delete_key(document["profiles"], name, (document, "profiles"))


def rename_key(mapping: CommentedMap, old: Any, new: Any) -> None:
    """`old` becomes `new` at the same position, with its comments."""
    position = list(mapping).index(old)
    value = mapping[old]
    comments = mapping.ca.items.pop(old, None)
    del mapping[old]
    mapping.insert(position, new, value)
    if comments is not None:
        mapping.ca.items[new] = comments


def _tail(mapping: CommentedMap, key: Any) -> tuple[CommentedMap | CommentedSeq, Any]:
    """The (container, key) whose comment slot holds what follows `key`'s value:
    ruamel hangs the comment above the next entry on the deepest last item."""
    value = mapping[key]
    if isinstance(value, CommentedMap) and len(value):
        return _tail(value, list(value)[-1])
    if isinstance(value, CommentedSeq) and len(value):
        return value, len(value) - 1
    return mapping, key


def _slot(mapping: CommentedMap, key: Any) -> tuple[list[Any], int]:
    holder, holder_key = _tail(mapping, key)
    index = 0 if isinstance(holder, CommentedSeq) else 2
    slots = holder.ca.items.setdefault(holder_key, [None, None, None, None])
    while len(slots) <= index:
        slots.append(None)
    return slots, index


def _take_following(mapping: CommentedMap, key: Any) -> str | None:
    """Detach the lines after `key`'s entry (blank lines, the next entry's comment),
    leaving a comment at the end of its own last line in place."""
    slots, index = _slot(mapping, key)
    token = slots[index]
    if token is None:
        return None
    value = token.value
    if value.startswith("#"):
        end_of_line = value.find("\n") + 1 or len(value)
        own, following = value[:end_of_line], value[end_of_line:]
        token.value = own
    else:
        following = value[1:] if value.startswith("\n") else value
        slots[index] = None
    return following or None


def _put_following(mapping: CommentedMap, key: Any, following: str) -> None:
    slots, index = _slot(mapping, key)
    token = slots[index]
    if token is not None:
        token.value = token.value + following
    else:
        slots[index] = CommentToken("\n" + following, CommentMark(0))


Owner = tuple[CommentedMap, Any]  # the mapping holding a mapping, and its key there


def delete_key(mapping: CommentedMap, key: Any, owner: Owner | None = None) -> None:
    """Remove `key`, keeping the comment above the next entry (ruamel stores it at
    the end of the removed one) and dropping the one above the removed entry. The
    comment above a first entry lives on the mapping's `owner`."""
    keys = list(mapping)
    position = keys.index(key)
    following = _take_following(mapping, key)
    if position > 0:
        _take_following(mapping, keys[position - 1])  # it was the removed entry's own comment
        if following is not None:
            _put_following(mapping, keys[position - 1], following)
    elif following is not None and position + 1 < len(keys) and owner is not None:
        text = following.lstrip("\n")
        indent = len(text) - len(text.lstrip(" "))
        token = CommentToken(text.lstrip(" "), CommentMark(indent))
        slots = owner[0].ca.items.setdefault(owner[1], [None, None, None, None])
        slots[3] = [token]
        if mapping.ca.comment:
            mapping.ca.comment[1] = [token]
    del mapping[key]


def set_key(mapping: CommentedMap, key: Any, value: Any) -> None:
    """Set `key`; a new key goes last, below the last entry but above the comment
    that followed it (which belongs to what comes next)."""
    if key in mapping or not len(mapping):
        mapping[key] = value
        return
    following = _take_following(mapping, list(mapping)[-1])
    mapping[key] = value
    if following is not None:
        _put_following(mapping, key, following)
