"""Connection settings for a libpq child process (pg_dump, pg_restore, psql),
without the password ever reaching its command line.

Everything goes through the child's environment (PGHOST, PGSSLROOTCERT …); the
password alone goes into a passfile (PGPASSFILE), which keeps it out of even the
child's environment. On Linux that passfile lives in memory only: an anonymous
memfd, 0600, handed to the child as an open descriptor and named by
/proc/self/fd/N, so the password never touches a disk, not even when bastion is
killed mid-dump. Elsewhere it is a 0600 file in a private 0700 folder, removed
when the child is done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.paths import create_private

# libpq keyword → the environment variable libpq reads for it.
ENV_OF_KEYWORD = {
    "host": "PGHOST", "hostaddr": "PGHOSTADDR", "port": "PGPORT", "dbname": "PGDATABASE", "user": "PGUSER",
    "service": "PGSERVICE", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY", "sslcrl": "PGSSLCRL", "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME", "options": "PGOPTIONS", "target_session_attrs": "PGTARGETSESSIONATTRS",
    "channel_binding": "PGCHANNELBINDING", "gssencmode": "PGGSSENCMODE", "requiressl": "PGREQUIRESSL",
}
# The environment a child must not inherit from ours where the profile says otherwise.
_CLEARED = set(ENV_OF_KEYWORD.values())


def passfile_line(password: str) -> str:
    """`*:*:*:*:password` with libpq's escapes (a backslash before `:` and `\\`)."""
    return "*:*:*:*:" + password.replace("\\", "\\\\").replace(":", "\\:") + "\n"


@dataclass(frozen=True)
class ChildEnvironment:
    """What a libpq child starts with: its environment, and the descriptors it must
    inherit (the in-memory passfile)."""

    variables: dict[str, str]
    pass_fds: tuple[int, ...] = ()


@contextlib.contextmanager
def child_environment(params: dict[str, Any], base: dict[str, str] | None = None) -> Iterator[ChildEnvironment]:
    """The environment for a libpq child connecting with `params` (libpq keywords,
    as tui.db.postgres builds them). Its passfile is gone when the block ends."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k not in _CLEARED}
    for keyword, value in params.items():
        variable = ENV_OF_KEYWORD.get(keyword)
        if variable is not None and value is not None:
            env[variable] = str(value)
    if "application_name" not in params and "fallback_application_name" in params:
        env["PGAPPNAME"] = str(params["fallback_application_name"])
    password = params.get("password")
    if password is None:
        yield ChildEnvironment(env)  # libpq finds it itself (.pgpass, PGPASSWORD for `password: env`) or needs none
        return
    env.pop("PGPASSWORD", None)  # it would win over the passfile
    line = passfile_line(str(password)).encode()
    fd = _memory_passfile(line)
    if fd is not None:
        try:
            env["PGPASSFILE"] = f"/proc/self/fd/{fd}"
            yield ChildEnvironment(env, (fd,))
        finally:
            os.close(fd)
        return
    folder = Path(tempfile.mkdtemp(prefix="bastion-pass-"))  # 0700
    try:
        passfile = folder / "pgpass"
        with create_private(passfile, binary=True) as handle:
            handle.write(line)
        env["PGPASSFILE"] = str(passfile)
        yield ChildEnvironment(env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _memory_passfile(content: bytes) -> int | None:
    """A 0600 anonymous in-memory file holding `content`, as a descriptor the child
    can open again through /proc/self/fd (libpq wants a regular file no one else
    may read: a memfd is one); None where there is no memfd or no /proc."""
    if not hasattr(os, "memfd_create") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        fd = os.memfd_create("bastion-pgpass", os.MFD_CLOEXEC)
    except OSError:
        return None
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
    except OSError:
        os.close(fd)
        return None
    return fd
