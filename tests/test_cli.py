"""The command line for scripts: clear errors on stderr, non-zero exit codes."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_list_remove(profiles_file: Path, memory_keyring, capsys) -> None:
    base = ["profiles", "--profiles", str(profiles_file)]
    code, out, _ = run([*base, "add", "staging", "--host", "db.example.internal", "--database", "app",
                        "--user", "app", "--read-only", "--sslmode", "verify-full"], capsys)
    assert code == 0 and "Added profile 'staging'" in out
    code, out, _ = run([*base, "list"], capsys)
    assert code == 0 and "staging" in out and "app@db.example.internal/app" in out and "read-only" in out
    code, _, err = run([*base, "add", "staging", "--host", "other"], capsys)
    assert code == 1 and "exists" in err
    code, _, err = run([*base, "add", "lite", "--driver", "sqlite"], capsys)
    assert code == 2 and "needs `path`" in err
    code, out, _ = run([*base, "remove", "staging"], capsys)
    assert code == 0 and ProfileStore(profiles_file).load().names() == []


def test_missing_profile_and_malformed_file(profiles_file: Path, capsys) -> None:
    code, _, err = run(["profiles", "--profiles", str(profiles_file), "test", "nope"], capsys)
    assert code == 1 and "no profile named 'nope'" in err
    profiles_file.write_text("profiles:\n  a: [\n")
    code, _, err = run(["profiles", "--profiles", str(profiles_file), "list"], capsys)
    assert code == 1 and "malformed YAML" in err and ":3:" in err
    code, _, err = run(["profiles", "--profiles", str(profiles_file), "add", "x", "--host", "h"], capsys)
    assert code == 1 and "was not changed" in err
    assert profiles_file.read_text() == "profiles:\n  a: [\n"


def test_profiles_test_reports_the_server(profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster,
                                          memory_keyring, capsys) -> None:
    ProfileStore(profiles_file).load().put(pg_profile)
    memory_keyring.set_password("bastion", pg_profile.name, pg_cluster.password)
    code, out, _ = run(["profiles", "--profiles", str(profiles_file), "test", "testdb"], capsys)
    assert code == 0 and "PostgreSQL" in out and "superuser yes" in out and "OK" in out


def test_profiles_test_without_password_fails_clearly(profiles_file: Path, pg_profile: Profile,
                                                      memory_keyring, capsys, monkeypatch) -> None:
    ProfileStore(profiles_file).load().put(pg_profile)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = run(["profiles", "--profiles", str(profiles_file), "test", "testdb"], capsys)
    assert code == 1 and "FAIL  auth" in out and "password" in out and "auth hop failed" in err


def test_set_password_verifies_before_saving(profiles_file: Path, pg_profile: Profile, pg_cluster: LocalCluster,
                                             memory_keyring, capsys, monkeypatch) -> None:
    ProfileStore(profiles_file).load().put(pg_profile)
    base = ["profiles", "--profiles", str(profiles_file)]
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong\n"))
    code, _, err = run([*base, "set-password", "testdb"], capsys)
    assert code == 1 and "not saved" in err and memory_keyring.entries == {}
    monkeypatch.setattr("sys.stdin", io.StringIO(pg_cluster.password + "\n"))
    code, out, _ = run([*base, "set-password", "testdb"], capsys)
    assert code == 0 and memory_keyring.entries == {("bastion", "testdb"): pg_cluster.password}
    code, out, _ = run([*base, "forget-password", "testdb"], capsys)
    assert code == 0 and "removed" in out and memory_keyring.entries == {}


def test_unusable_keyring_is_a_clear_error(profiles_file: Path, no_keyring, capsys, monkeypatch) -> None:
    ProfileStore(profiles_file).load().put(Profile(name="p", host="h"))
    monkeypatch.setattr("sys.stdin", io.StringIO("pw\n"))
    code, _, err = run(["profiles", "--profiles", str(profiles_file), "set-password", "p", "--no-verify"], capsys)
    assert code == 1 and "No usable OS keyring" in err


def test_bad_ad_hoc_url_and_version(capsys) -> None:
    code, _, err = run(["mysql://u:pw12345@h/d"], capsys)
    assert code == 2 and "unsupported scheme" in err and "pw12345" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and "bastion 0." in capsys.readouterr().out


def test_python_dash_m_tui_works(profiles_file: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "tui", "profiles", "--profiles", str(profiles_file), "list"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "No profiles" in result.stdout


def test_a_password_in_an_ad_hoc_url_is_hidden_from_ps(profiles_file: Path) -> None:
    """`bastion 'postgresql://u:pw@h/db'` running on a terminal: /proc/PID/cmdline
    (what `ps` shows every user) no longer holds the password once it has started."""
    import os
    import pty
    import time

    url = "postgresql://nobody:Zq-secret-1@127.0.0.1:1/shop"
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "--profiles", str(profiles_file), url],
        stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"},
    )
    os.close(terminal)
    cmdline = b""
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and process.poll() is None:
            cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes()
            if b"127.0.0.1:1/shop" in cmdline and b"Zq-secret-1" not in cmdline:
                break
            time.sleep(0.05)
        assert process.poll() is None, "bastion exited instead of running"
        assert b"Zq-secret-1" not in cmdline and b"127.0.0.1:1/shop" in cmdline
    finally:
        process.kill()
        process.wait(10)
        os.close(controller)


def test_a_huge_profiles_file_is_a_clear_error(profiles_file: Path, capsys) -> None:
    profiles_file.write_text("profiles:\n" + "  p:\n    host: h\n" * 200_000)  # ~3.6 MB
    code, _, err = run(["profiles", "--profiles", str(profiles_file), "list"], capsys)
    assert code == 1 and str(profiles_file) in err and "KB, over the 256 KB limit" in err


def test_profiles_add_help_documents_every_option(capsys) -> None:
    from tui.commands.profiles import profiles_parser

    with pytest.raises(SystemExit) as exited:
        main(["profiles", "add", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    add = next(action for action in profiles_parser()._subparsers._group_actions[0].choices.values()
               if action.prog.endswith(" add"))
    for action in add._actions:
        assert action.help and len(action.help) > 10, action.option_strings or action.dest
        for option in action.option_strings:
            assert option in text
    assert "set-password" in text
