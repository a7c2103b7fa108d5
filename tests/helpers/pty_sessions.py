"""The real bastion in a pseudo-terminal, for tests of bursts and pastes."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from helpers.pty_terminal import PtyBastion


def child_env(home: Path) -> dict[str, str]:
    """The test's isolated dirs (see conftest.isolated_env), this checkout on the path."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])  # the repository
    env["LANG"] = "C.UTF-8"
    return env


@pytest.fixture
def start_bastion(isolated_env: Path, tmp_path: Path) -> Iterator[Callable[..., PtyBastion]]:
    started: list[PtyBastion] = []

    def start(*args: str) -> PtyBastion:
        bastion = PtyBastion(list(args), env=child_env(isolated_env), cwd=tmp_path)
        started.append(bastion)
        return bastion

    yield start
    for bastion in started:
        bastion.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table orders (id integer primary key, total numeric)")
    return path


def editor_text(home: Path) -> str:
    """What the Query editor held when bastion quit (its autosave of the ad-hoc profile)."""
    return (home / "xdg_data_home" / "bastion" / "editor" / "ad-hoc.sql").read_text(encoding="utf-8")


def open_query_editor(bastion: PtyBastion) -> None:
    bastion.wait_for("orders")  # the sidebar is loaded: the workspace is up
    mark = bastion.mark()
    bastion.write(b"2")
    bastion.wait_for("Run all", since=mark)
    time.sleep(0.3)
