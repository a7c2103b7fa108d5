"""Keys in the order they were typed, bytes that are not UTF-8, a terminal that
hangs up: the real `bastion` on a pseudo-terminal, input written in bursts (one
os.write each), as ssh delivers it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from helpers.pty_sessions import editor_text, open_query_editor
from helpers.pty_terminal import PtyBastion
from helpers.sshd_rig import SshServer, ssh_processes_for

from tui.demo.cluster import LocalCluster
from tui.profiles import ProfileStore

REPEAT = 10
CTRL_A, CTRL_K, BACKSPACE, ESC, ENTER = b"\x01", b"\x0b", b"\x7f", b"\x1b", b"\r"












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


def test_a_hung_up_terminal_ends_bastion_within_a_second_and_stops_its_tunnel(
    start_bastion: Callable[..., PtyBastion], sshd: SshServer, pg_cluster: LocalCluster, pg_database: str,
    tmp_path: Path,
) -> None:
    # The SSH session to the jump host closes while a stalled link has filled the
    # terminal: Textual's writer thread died on EIO, the app blocked on its full
    # output queue until the forced exit 5 s later.
    from helpers.tunnels import tunnel_profile, wait_for_no_ssh

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{pg_cluster.superuser}:{pg_cluster.password}\n")
    pgpass.chmod(0o600)
    os.environ["PGPASSFILE"] = str(pgpass)  # child_env copies it (isolated_env restores it)
    profiles = tmp_path / "profiles.yaml"
    ProfileStore(profiles).load().put(tunnel_profile(sshd, pg_cluster, pg_database, password="pgpass"))
    bastion = start_bastion("--profiles", str(profiles), "via-jump")
    bastion.wait_for("via ssh")
    time.sleep(1)
    assert ssh_processes_for(f"-p {sshd.port}"), "no tunnel while the workspace is open"
    bastion.stop_reading()  # the link stalls: the app's output piles up
    for _ in range(60):
        bastion.write(b"2")
        time.sleep(0.02)
        bastion.write(b"1")
        time.sleep(0.02)
    for _ in range(200):
        bastion.write(b"x")
        time.sleep(0.005)
    started = time.monotonic()
    bastion.hang_up()
    assert bastion.wait(10) == 129
    assert time.monotonic() - started < 1.0
    assert wait_for_no_ssh(f"-p {sshd.port}") == [], "ssh tunnel left behind"


def test_writes_to_a_hung_up_terminal_are_dropped_instead_of_blocking_the_app() -> None:
    # The root of the 5 s hang: a stalled link fills the pty and Textual's output
    # queue, the app waits on the queue; when the terminal hangs up, the writer
    # thread died on EIO and the app waited for ever (until the forced exit).
    from textual.drivers._writer_thread import WriterThread

    from tui.terminal import TerminalFile

    master, slave = os.openpty()
    gone = threading.Event()
    with os.fdopen(slave, "w", encoding="utf-8") as tty:
        writer = WriterThread(TerminalFile(tty, gone.set))  # type: ignore[arg-type]
        writer.start()
        written = threading.Event()

        def app_writes() -> None:
            for _ in range(200):
                writer.write("x" * 4096)
            written.set()

        threading.Thread(target=app_writes, daemon=True).start()
        assert not written.wait(0.5), "the pty should be full by now"
        os.close(master)  # hang up
        assert written.wait(1.0), "the app is still blocked on the output queue"
        assert gone.is_set()
        writer.stop()
