"""SSH tunnels through a real sshd on 127.0.0.1 to the test PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psycopg
import pytest
from helpers.sshd_rig import SshServer, ssh_processes_for
from helpers.tunnels import ssh_config, tunnel_profile, wait_for_no_ssh

from tui.cli import main
from tui.db import ConnectFailure, open_database
from tui.db.postgres import PostgresDatabase
from tui.db.roles import WORKSPACE
from tui.db.tunnel import forward_spec, live_tunnels, ssh_command, ssh_hint
from tui.demo.cluster import LocalCluster
from tui.profiles import ProfileStore, SshConfig

# -- pure parts ---------------------------------------------------------------------


def test_the_ssh_command_puts_user_options_first_and_ends_with_the_host() -> None:
    config = SshConfig(host="jump", user="ops", port=2222, identity_file="~/.ssh/id", jump="edge",
                       options=("ServerAliveInterval=5",))
    command = ssh_command(config, forward_spec(40000, "db.internal", 5432), 10)
    assert command[1:3] == ["-N", "-T"]
    assert command.index("ServerAliveInterval=5") < command.index("ServerAliveInterval=15")  # first wins in ssh
    assert "ExitOnForwardFailure=yes" in command and "BatchMode=yes" in command
    assert command[command.index("-L") + 1] == "127.0.0.1:40000:db.internal:5432"
    assert command[-2:] == ["--", "jump"]
    assert command[command.index("-J") + 1] == "edge" and command[command.index("-p") + 1] == "2222"


def test_forward_spec_brackets_ipv6_and_reaches_remote_sockets() -> None:
    assert forward_spec(1, "::1", 5432) == "127.0.0.1:1:[::1]:5432"
    assert forward_spec(1, "/var/run/postgresql/", 5433) == "127.0.0.1:1:/var/run/postgresql/.s.PGSQL.5433"


@pytest.mark.parametrize(("said", "expected"), [
    ("Host key verification failed.", "accept it"),
    ("@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@", "ssh-keygen -R"),
    ("ops@jump: Permission denied (publickey).", "ssh-add"),
    ("ssh: Could not resolve hostname nope: Name or service not known", "ssh.host"),
    ("channel 2: open failed: connect failed: Connection refused", "cannot reach the database"),
    ("channel 2: open failed: administratively prohibited: open failed", "AllowTcpForwarding"),
])
def test_ssh_messages_get_a_hint(said: str, expected: str) -> None:
    assert expected in ssh_hint(said)


def test_a_profile_with_several_hosts_cannot_be_tunnelled(sshd: SshServer, pg_cluster: LocalCluster,
                                                          pg_database: str) -> None:
    profile = tunnel_profile(sshd, pg_cluster, pg_database, host="a.example,b.example")
    with pytest.raises(ConnectFailure, match="one database host"):
        open_database(profile, pg_cluster.password)


# -- through a real sshd --------------------------------------------------------------


def test_connects_through_the_tunnel_and_stops_ssh_on_close(sshd: SshServer, pg_cluster: LocalCluster,
                                                            pg_database: str) -> None:
    profile = tunnel_profile(sshd, pg_cluster, pg_database)
    steps: list[str] = []
    database = open_database(profile, pg_cluster.password, progress=steps.append)
    assert isinstance(database, PostgresDatabase) and database.tunnel is not None
    marker = f"127.0.0.1:{database.tunnel.local_port}:"
    try:
        assert ssh_processes_for(marker), "no ssh process while the tunnel is open"
        assert database.info.database == pg_database
        assert database.params["hostaddr"] == "127.0.0.1" and database.params["host"] == "127.0.0.1"
        assert steps[0].startswith("Opening the ssh tunnel") and "Tunnel up" in steps[1]
        # Panes open their own connections through the same tunnel.
        with database.connect(WORKSPACE) as other:
            assert other.execute("select 1").fetchone() == (1,)
    finally:
        database.close()
    assert wait_for_no_ssh(marker) == []
    assert live_tunnels() == 0


def test_a_dead_tunnel_is_started_again_on_reconnect(sshd: SshServer, pg_cluster: LocalCluster,
                                                     pg_database: str) -> None:
    database = open_database(tunnel_profile(sshd, pg_cluster, pg_database), pg_cluster.password)
    assert isinstance(database, PostgresDatabase) and database.tunnel is not None
    try:
        first = database.tunnel.process
        assert first is not None
        first.kill()  # the link (or the jump host) went away
        first.wait()
        assert not database.ping()
        database.reconnect()
        assert database.tunnel.alive and database.tunnel.process is not first
        assert database.ping()
    finally:
        database.close()


def test_verify_full_checks_the_database_name_not_the_tunnel_end(
    sshd: SshServer, pg_cluster: LocalCluster, pg_database: str
) -> None:
    ca = pg_cluster.tls_files["ca.crt"]  # type: ignore[attr-defined]
    # The server's certificate names "localhost": libpq checks that name while it
    # connects to the tunnel's 127.0.0.1 (hostaddr).
    profile = tunnel_profile(sshd, pg_cluster, pg_database, host="localhost", sslmode="verify-full",
                             sslrootcert=str(ca))
    database = open_database(profile, pg_cluster.password)
    try:
        assert database.conn.pgconn.ssl_in_use  # type: ignore[attr-defined]
    finally:
        database.close()


@pytest.mark.parametrize(("case", "expected", "hint"), [
    ("wrong host key", "Host key verification failed", "ssh-keygen -R"),
    ("refused auth", "Permission denied", "ssh-add"),
    ("dead port", "open failed", "cannot reach the database"),
])
def test_tunnel_failures_show_ssh_own_message(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str,
                                              case: str, expected: str, hint: str) -> None:
    if case == "wrong host key":
        profile = tunnel_profile(sshd, pg_cluster, pg_database).with_changes(
            ssh=ssh_config(sshd, known_hosts=sshd.wrong_known_hosts))
    elif case == "refused auth":
        profile = tunnel_profile(sshd, pg_cluster, pg_database).with_changes(
            ssh=ssh_config(sshd, identity=sshd.other_identity_file))
    else:
        from helpers.sshd_rig import free_port

        profile = tunnel_profile(sshd, pg_cluster, pg_database, port=free_port())
    with pytest.raises(ConnectFailure) as raised:
        open_database(profile, pg_cluster.password)
    failure = raised.value
    assert failure.kind == "tunnel"
    assert expected in failure.message and hint in failure.hint
    assert pg_cluster.password not in str(failure)
    assert wait_for_no_ssh(f"{sshd.port}") == []


# -- bastion profiles test ---------------------------------------------------------------


def test_profiles_test_reports_each_hop(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str,
                                        tmp_path: Path, memory_keyring, capsys) -> None:
    profiles = tmp_path / "profiles.yaml"
    profile = tunnel_profile(sshd, pg_cluster, pg_database, password="keyring", host="localhost",
                             sslmode="verify-full", sslrootcert=str(pg_cluster.tls_files["ca.crt"]))  # type: ignore[attr-defined]
    ProfileStore(profiles).load().put(profile)
    memory_keyring.set_password("bastion", profile.name, pg_cluster.password)
    code = main(["profiles", "--profiles", str(profiles), "test", profile.name])
    out = capsys.readouterr().out
    assert code == 0, out
    hops, _, sslmodes = out.partition("TLS by sslmode (each tried once):\n")
    lines = [line.split() for line in hops.splitlines()[1:] if not line.startswith("        ")]
    assert [(words[0], words[1]) for words in lines[:2]] == [("ok", "ssh"), ("ok", "tcp")]
    # Each sslmode is tried through the tunnel too, the host name still checked against the certificate.
    assert f"ok    verify-full with sslrootcert={pg_cluster.tls_files['ca.crt']}: encrypted, verified" in sslmodes  # type: ignore[attr-defined]
    assert [words[:2] for words in lines[2:]] == [["ok", "tls"], ["ok", "auth"], ["ok", "server"]]
    assert "host name verified" in out and "the OS keyring" in out and "PostgreSQL" in out
    assert out.splitlines()[-1] == "OK"
    assert pg_cluster.password not in out
    assert wait_for_no_ssh(f"{sshd.port}") == []


def test_profiles_test_stops_at_the_failing_hop(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str,
                                                tmp_path: Path, memory_keyring, capsys) -> None:
    from helpers.sshd_rig import free_port

    profiles = tmp_path / "profiles.yaml"
    ProfileStore(profiles).load().put(tunnel_profile(sshd, pg_cluster, pg_database, port=free_port()))
    code = main(["profiles", "--profiles", str(profiles), "test", "via-jump"])
    captured = capsys.readouterr()
    assert code == 1
    assert "ok    ssh tunnel" in captured.out and "FAIL  tcp" in captured.out
    assert "open failed" in captured.out and "tls" not in captured.out
    assert "the tcp hop failed" in captured.err


# -- no ssh left behind, whatever the way out ------------------------------------------------

CHILD = textwrap.dedent("""
    import sys, time
    from tui.db import open_database
    from tui.profiles import SshConfig, Profile
    ssh = SshConfig(host=sys.argv[1], user=sys.argv[2], port=int(sys.argv[3]), identity_file=sys.argv[4],
                    options=tuple(sys.argv[5].split("|")))
    profile = Profile(name="x", host="127.0.0.1", port=int(sys.argv[6]), database=sys.argv[7],
                      user=sys.argv[8], sslmode="disable", password="none", ssh=ssh)
    if sys.argv[9] == "SIGHUP":  # as `bastion` does before the app starts
        from tui.exit_guard import exit_on_hangup

        def request_exit(code):
            raise SystemExit(code)

        guard = exit_on_hangup(request_exit)  # kept: a collected guard restores the handlers
        guard.__enter__()
    database = open_database(profile)
    print(database.tunnel.local_port, flush=True)
    if sys.argv[9] == "crash":
        raise RuntimeError("boom")
    time.sleep(60)
""")


@pytest.mark.parametrize("ending", ["crash", "SIGKILL", "SIGHUP"])
def test_no_ssh_process_outlives_bastion(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str,
                                         tmp_path: Path, ending: str) -> None:
    if ending == "SIGKILL" and not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux's")
    # The trusted unix socket on the jump host side would need no password; over
    # 127.0.0.1 the cluster wants one, so hand it over through .pgpass.
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{pg_cluster.superuser}:{pg_cluster.password}\n")
    pgpass.chmod(0o600)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {**os.environ, "PGPASSFILE": str(pgpass), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, str(script), sshd.host, sshd.user, str(sshd.port), str(sshd.identity_file),
         "|".join(sshd.ssh_options()), str(pg_cluster.port), pg_database, pg_cluster.superuser, ending],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert child.stdout is not None
        port = child.stdout.readline().strip()
        assert port, child.stderr.read() if child.stderr else ""
        marker = f"127.0.0.1:{port}:"
        if ending == "crash":
            child.wait(30)
        else:
            assert ssh_processes_for(marker)
            child.send_signal(signal.SIGKILL if ending == "SIGKILL" else signal.SIGHUP)
            code = child.wait(30)
            if ending == "SIGHUP":
                assert code == 128 + signal.SIGHUP
        assert wait_for_no_ssh(marker) == [], f"ssh left behind after {ending}"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_psycopg_through_the_tunnel_sees_the_same_server(sshd: SshServer, pg_cluster: LocalCluster,
                                                         pg_database: str) -> None:
    database = open_database(tunnel_profile(sshd, pg_cluster, pg_database), pg_cluster.password)
    try:
        with psycopg.connect(pg_cluster.socket_conninfo(), autocommit=True) as admin:
            seen = admin.execute("select count(*) from pg_stat_activity where pid = %s",
                                 (database.info.backend_pid,)).fetchone()
        assert seen == (1,)
    finally:
        database.close()


# -- the terminal goes away (the SSH session to the jump host closes) ---------------------


def test_closing_the_terminal_stops_bastion_and_its_tunnel(
    sshd: SshServer, pg_cluster: LocalCluster, pg_database: str, tmp_path: Path, isolated_env: Path,
) -> None:
    from helpers.sshd_rig import descendants
    from helpers.tmux import CONNECT_TIMEOUT, Tmux, base_env, bastion_command, wait_for, wait_until

    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"*:*:*:{pg_cluster.superuser}:{pg_cluster.password}\n")
    pgpass.chmod(0o600)
    profiles = tmp_path / "profiles.yaml"
    ProfileStore(profiles).load().put(tunnel_profile(sshd, pg_cluster, pg_database, password="pgpass"))
    tmux = Tmux(tmp_path, {**base_env(isolated_env), "PGPASSFILE": str(pgpass)})
    try:
        tmux.start([*bastion_command(), "--profiles", str(profiles), "via-jump"], cwd=tmp_path)
        wait_for(tmux, "the workspace through the tunnel",
                 lambda screen: "via ssh 127.0.0.1" in screen and "Pick a table" in screen, CONNECT_TIMEOUT)
        processes = descendants(int(tmux.pane("pane_pid")["pane_pid"]))
        assert ssh_processes_for(f"-p {sshd.port}"), "no tunnel while the workspace is open"
        tmux.kill_server()  # the terminal is gone: SIGHUP to everything in it

        def all_gone() -> bool:
            return not any(Path(f"/proc/{pid}").exists() for pid in processes)

        assert wait_until(all_gone, 10), "bastion still runs after its terminal closed"
        assert wait_for_no_ssh(f"-p {sshd.port}") == [], "ssh tunnel left behind"
    finally:
        tmux.kill_server()


# -- in the app ----------------------------------------------------------------------------


async def test_the_app_connects_through_the_tunnel_and_shows_ssh_failures(
    sshd: SshServer, pg_cluster: LocalCluster, pg_database: str, profiles_file: Path, memory_keyring,
) -> None:
    from helpers.apps import make_app, wait_for_screen

    from tui.screens.connect import ConnectScreen
    from tui.screens.picker import PickerScreen
    from tui.screens.workspace import WorkspaceScreen

    good = tunnel_profile(sshd, pg_cluster, pg_database, password="keyring")
    refused = good.with_changes(name="refused", ssh=ssh_config(sshd, identity=sshd.other_identity_file))
    memory_keyring.set_password("bastion", good.name, pg_cluster.password)
    app = make_app(profiles_file, good, refused)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, PickerScreen)
        app.call_later(app.connect, refused)
        await wait_for_screen(pilot, ConnectScreen)
        for _ in range(200):
            error = str(app.screen.query_one("#connect-error").render())
            if error:
                break
            await pilot.pause(0.05)
        assert "Permission denied" in error
        assert "ssh-add" in str(app.screen.query_one("#connect-hint").render())
        await pilot.press("escape")
        await wait_for_screen(pilot, PickerScreen)
        app.call_later(app.connect, good)
        await wait_for_screen(pilot, WorkspaceScreen)
        assert "via ssh 127.0.0.1" in str(app.screen.query_one("ConnectionHeader").render())
        assert ssh_processes_for(f"-p {sshd.port}")
    assert wait_for_no_ssh(f"-p {sshd.port}") == []


async def test_a_lost_tunnel_shows_the_banner_and_comes_back(
    sshd: SshServer, pg_cluster: LocalCluster, pg_database: str, tmp_path: Path,
) -> None:
    """The ssh process dies (killed, link down): bastion, its parent, notices at once
    rather than at the next heartbeat, says the tunnel dropped (not the server), and
    is back through a new tunnel within 2 s; the first query then works."""
    from helpers.link_banner import banner_of, banner_shown, banner_text, make_app, wait_until

    from tui.screens.workspace import WorkspaceScreen
    from tui.widgets.query.pane import QueryPane

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        database = open_database(tunnel_profile(sshd, pg_cluster, pg_database), pg_cluster.password)
        assert isinstance(database, PostgresDatabase) and database.tunnel is not None
        await app.push_screen(WorkspaceScreen(database.profile, database))
        await pilot.press("2")
        await wait_until(pilot, lambda: bool(app.screen.query(QueryPane)), what="query pane")
        pane = app.screen.query_one(QueryPane)
        pane.editor.focus()
        pane.editor.text = "select 'still here'"
        await pilot.press("ctrl+j")  # the editor's session goes through the tunnel too
        await wait_until(pilot, lambda: not pane.running and pane.outcomes and pane.outcomes[-1].ok, what="a run")
        first = database.tunnel.process
        assert first is not None

        first.kill()
        killed = time.monotonic()
        await wait_until(pilot, lambda: banner_shown(app) and "SSH tunnel dropped" in banner_text(app),
                         timeout=5, what="the banner names the tunnel")
        assert time.monotonic() - killed < 1.0
        assert "ssh was killed (signal 9)" in banner_text(app) or "Reconnecting" in banner_text(app)
        await wait_until(pilot, lambda: not banner_of(app).display, timeout=10,
                         what="reconnected through a new tunnel")
        assert time.monotonic() - killed < 2.0
        assert database.tunnel.alive and database.tunnel.process is not first

        pane.outcomes = []
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: not pane.running and len(pane.outcomes) == 1, what="the first run")
        assert pane.outcomes[-1].ok and pane.grid.result.row(0) == ["still here"]
    assert wait_for_no_ssh(f"-p {sshd.port}") == []


def test_ssh_last_words_name_why_the_tunnel_dropped() -> None:
    from tui.db.tunnel import SshTunnel

    tunnel = SshTunnel(SshConfig(host="jump.example"), "db", 5432)
    assert tunnel.drop_reason(-9) == "SSH tunnel dropped: ssh was killed (signal 9)"
    tunnel._stderr.extend(["Timeout, server jump.example not responding.",
                           "channel 3: open failed: connect failed: Connection refused"])
    assert tunnel.drop_reason(255) == "SSH tunnel dropped: Timeout, server jump.example not responding."


def test_hints_name_the_jump_host_as_the_user_types_it() -> None:
    from tui.db.tunnel import SshTunnel

    tunnel = SshTunnel(SshConfig(host="jump.example", user="ops", port=2222, jump="edge"), "db", 5432)
    changed = tunnel.failure("x").hint  # no ssh output yet: the generic hint
    assert "ssh -N -L" in changed
    tunnel._stderr.append("Host key verification failed.")
    assert "`ssh -p 2222 -J edge ops@jump.example`" in tunnel.failure("x").hint
    tunnel._stderr.append("WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!")
    assert "ssh-keygen -R [jump.example]:2222" in tunnel.failure("x").hint


def test_ssh_messages_since_a_mark_are_only_the_new_lines() -> None:
    from tui.db.tunnel import SshTunnel

    tunnel = SshTunnel(SshConfig(host="jump.example"), "db", 5432)
    tunnel._stderr.extend(["channel 2: open failed: connect failed", "later line"])
    tunnel.lines_seen = 2
    assert tunnel.ssh_messages(since=2) == ""  # nothing new: not the old "open failed"
    assert tunnel.ssh_messages(since=1) == "later line"
    assert "open failed" in tunnel.ssh_messages()


def test_the_fleet_shares_one_tunnel_per_jump_host(sshd: SshServer, pg_cluster: LocalCluster, pgbouncer,  # type: ignore[no-untyped-def]
                                                   pg_database: str) -> None:
    from tui.secrets import PasswordVault
    from tui.services.fleet import FleetPoller

    profiles = [tunnel_profile(sshd, pg_cluster, pg_database, name=name, database=database)
                for name, database in (("via-jump-a", pg_database), ("via-jump-b", "postgres"))]
    # Another database port behind the same jump host (the pooler): one more -L, not one more ssh.
    profiles.append(tunnel_profile(sshd, pg_cluster, pg_database, name="via-jump-pooled", port=pgbouncer.port))
    vault = PasswordVault()
    for profile in profiles:  # typed once this session; the fleet itself never asks
        vault.remember(profile.name, pg_cluster.password, persist=False)
    poller = FleetPoller(profiles, vault, timeout=10.0)
    try:
        rows = poller.poll()
        assert [(r.name, r.status) for r in rows] == [
            ("via-jump-a", "ok"), ("via-jump-b", "ok"), ("via-jump-pooled", "ok")], rows
        assert poller.tunnel_count == 1 and live_tunnels() == 1
        [command] = ssh_processes_for(f"-p {sshd.port}")
        assert command.count(" -L ") == 2  # two database ports (the pooler's and the server's), one ssh
    finally:
        poller.close()
    assert live_tunnels() == 0
