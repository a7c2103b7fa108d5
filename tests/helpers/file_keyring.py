"""A keyring backend for child processes of the suite (`bastion mcp` started by an
MCP client): the passwords sit in a JSON file named by BASTION_TEST_KEYRING_FILE,
chosen with PYTHON_KEYRING_BACKEND=helpers.file_keyring.FileKeyring. Never picked
by keyring's own choice in the suite's process (no file named there)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import keyring.backend
from jaraco.classes import properties

FILE_VARIABLE = "BASTION_TEST_KEYRING_FILE"


class FileKeyring(keyring.backend.KeyringBackend):
    """Passwords in the JSON file `{"service/user": "password"}`."""

    @properties.classproperty
    def priority(cls) -> float:  # type: ignore[override]
        if FILE_VARIABLE not in os.environ:
            raise RuntimeError("only for a child process that names its file")
        return 1.0

    def _entries(self) -> dict[str, str]:
        return json.loads(Path(os.environ[FILE_VARIABLE]).read_text())

    def get_password(self, service: str, username: str) -> str | None:
        return self._entries().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("read-only test keyring")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("read-only test keyring")
