"""Connection settings for a libpq child process (pg_dump, pg_restore, psql),
without the password ever reaching its command line.

Everything goes through the child's environment (PGHOST, PGSSLROOTCERT …); the
password alone goes into a passfile, 0600 from its first byte, in a private
0700 folder that is removed when the child is done (PGPASSFILE): /proc/PID/environ
of another user's process is unreadable, but a passfile keeps it out of even
the child's environment.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
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


@contextlib.contextmanager
def child_environment(params: dict[str, Any], base: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
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
        yield env  # libpq finds it itself (.pgpass, PGPASSWORD for `password: env`) or needs none
        return
    env.pop("PGPASSWORD", None)  # it would win over the passfile
    folder = Path(tempfile.mkdtemp(prefix="bastion-pass-"))  # 0700
    try:
        passfile = folder / "pgpass"
        with create_private(passfile) as handle:
            handle.write(passfile_line(str(password)))
        env["PGPASSFILE"] = str(passfile)
        yield env
    finally:
        shutil.rmtree(folder, ignore_errors=True)
