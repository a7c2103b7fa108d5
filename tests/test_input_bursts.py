"""Keys in the order they were typed, bytes that are not UTF-8, a terminal that
hangs up: the real `bastion` on a pseudo-terminal, input written in bursts (one
os.write each), as ssh delivers it."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pty_terminal import PtyBastion

from tui.demo.cluster import LocalCluster

REPEAT = 10
CTRL_A, CTRL_K, BACKSPACE, ESC, ENTER = b"\x01", b"\x0b", b"\x7f", b"\x1b", b"\r"


def child_env(home: Path) -> dict[str, str]:
    """The test's isolated dirs (see conftest.isolated_env), this checkout on the path."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
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


def crash_reports(home: Path) -> list[Path]:
    return list((home / "xdg_state_home" / "bastion").glob("crash/*"))


def test_backspace_in_a_burst_applies_where_it_was_typed(
    start_bastion: Callable[..., PtyBastion], sqlite_db: Path, isolated_env: Path,
) -> None:
    # The backspace is an editor binding: it used to bubble up to the App while the
    # characters typed after it went straight into the editor ("abcdefghijklmno").
    bastion = start_bastion(f"sqlite:///{sqlite_db}")
    open_query_editor(bastion)
    for _ in range(REPEAT):
        bastion.write(b"abc" + BACKSPACE + b"defghijklmnop" + ENTER)
        time.sleep(0.05)
    time.sleep(0.5)
    assert bastion.quit() == 0
    assert editor_text(isolated_env) == "abdefghijklmnop\n" * REPEAT


def test_sidebar_filter_gets_the_text_typed_right_after_slash(
    start_bastion: Callable[..., PtyBastion], sqlite_db: Path,
) -> None:
    # `/` mounts and focuses the filter box; the letters in the same burst used to
    # reach the tree (where `r` reloads and `h` toggles system schemas) instead.
    bastion = start_bastion(f"sqlite:///{sqlite_db}")
    bastion.wait_for("orders")
    time.sleep(0.3)
    for attempt in range(REPEAT):
        mark = bastion.mark()
        bastion.write(f"/qzr{attempt}h".encode())
        bastion.wait_for(f"qzr{attempt}h", timeout=5, since=mark)
        bastion.write(ESC)  # clears the filter and removes the box
        bastion.wait_for("orders", timeout=5, since=mark)
        time.sleep(0.1)
    assert bastion.quit() == 0


def test_activity_filter_ctrl_a_ctrl_k_then_text(
    start_bastion: Callable[..., PtyBastion], tmp_path: Path, pg_cluster: LocalCluster, pg_database: str,
) -> None:
    # ctrl+a / ctrl+k are Input bindings, checked by the App after the key bubbled up:
    # the new text used to arrive first and be cut away, leaving the filter empty.
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        f"profiles:\n  local:\n    host: {pg_cluster.socket_dir}\n    port: {pg_cluster.port}\n"
        f"    database: {pg_database}\n    user: {pg_cluster.superuser}\n    password: none\n"
    )
    bastion = start_bastion("--profiles", str(profiles), "local")
    bastion.wait_for("public")
    mark = bastion.mark()
    bastion.write(b"4")
    bastion.wait_for("/ Filter", since=mark)
    time.sleep(1)
    for attempt in range(REPEAT):
        mark = bastion.mark()
        bastion.write(b"/")
        time.sleep(0.2)
        bastion.write(CTRL_A + CTRL_K + f"zq{attempt}x".encode() + ENTER)
        bastion.wait_for(f"“zq{attempt}x”", timeout=5, since=mark)
    assert bastion.quit() == 0


def test_invalid_utf8_is_replaced_and_bastion_keeps_working(
    start_bastion: Callable[..., PtyBastion], sqlite_db: Path, isolated_env: Path,
) -> None:
    # `é` typed on a Latin-1 terminal is the single byte 0xE9: it used to end bastion
    # with a UnicodeDecodeError (exit 0, no crash report).
    bastion = start_bastion(f"sqlite:///{sqlite_db}")
    open_query_editor(bastion)
    bastion.write(b"ab\xe9cd")
    time.sleep(0.2)
    bastion.write(b"\xc3")  # a valid é split across two reads
    time.sleep(0.2)
    bastion.write(b"\xa9!")
    time.sleep(0.5)
    assert bastion.quit() == 0
    assert editor_text(isolated_env) == "ab\ufffdcdé!"
    assert crash_reports(isolated_env) == []
