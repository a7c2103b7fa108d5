"""The sshd test rig (tests/helpers/sshd_rig.py) against the plain system ssh client:
a real forward to the test PostgreSQL, and the failures the tunnel tests rely on."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from helpers.sshd_rig import SshServer, free_port, ssh_processes_for, stop_ssh

from tui.demo.cluster import LocalCluster

# What bastion's tunnel adds to the rig's options: fail instead of prompting,
# and exit when the local forward cannot be set up.
BATCH = ["-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes"]


def tunnel_command(server: SshServer, local_port: int, remote_port: int, **files: Path) -> list[str]:
    """`ssh -N -L ...` as bastion's tunnel runs it; `files` may swap identity_file/known_hosts."""
    forward = f"127.0.0.1:{local_port}:127.0.0.1:{remote_port}"
    return ["ssh", "-N", "-L", forward, *BATCH, *server.ssh_args(**files), server.host]


@contextmanager
def tunnel(server: SshServer, local_port: int, remote_port: int) -> Iterator[subprocess.Popen[str]]:
    """A running `ssh -N -L`, ready (its local port accepts connections); killed afterwards."""
    process = subprocess.Popen(
        tunnel_command(server, local_port, remote_port),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )
    try:
        wait_for_listener(local_port, process)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()  # type: ignore[union-attr]


def wait_for_listener(port: int, process: subprocess.Popen[str], timeout: float = 15) -> None:
    """Wait until 127.0.0.1:`port` accepts connections (ssh opens its forward after login)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ssh exited with {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"ssh's forward on port {port} never came up")


def failed_login(server: SshServer, **files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        tunnel_command(server, free_port(), 5432, **files),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, start_new_session=True,
    )


def test_forward_reaches_postgresql(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str) -> None:
    local_port = free_port()
    with tunnel(sshd, local_port, pg_cluster.port):
        with psycopg.connect(host="127.0.0.1", port=local_port, dbname=pg_database, user=pg_cluster.superuser,
                             password=pg_cluster.password, sslmode="disable", connect_timeout=10) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (pg_database,)
    assert "Accepted publickey for" in sshd.log()


def test_wrong_host_key_is_refused(sshd: SshServer) -> None:
    result = failed_login(sshd, known_hosts=sshd.wrong_known_hosts)
    assert result.returncode == 255
    assert "REMOTE HOST IDENTIFICATION HAS CHANGED" in result.stderr
    assert "Host key verification failed." in result.stderr


def test_key_not_in_authorized_keys_is_refused(sshd: SshServer) -> None:
    result = failed_login(sshd, identity_file=sshd.other_identity_file)
    assert result.returncode == 255
    assert f"{sshd.user}@127.0.0.1: Permission denied (publickey)." in result.stderr


def test_forward_to_a_dead_port_is_reported_per_connection(sshd: SshServer) -> None:
    local_port = free_port()
    with tunnel(sshd, local_port, free_port()) as process:
        with socket.create_connection(("127.0.0.1", local_port), timeout=5) as conn:
            conn.settimeout(5)
            assert conn.recv(1) == b""  # ssh accepts locally, then closes when the far end refuses
        stop_ssh(process)
        stderr = process.stderr.read()  # type: ignore[union-attr]
    assert "open failed: connect failed: Connection refused" in stderr


def test_no_ssh_process_left_after_terminate(sshd: SshServer) -> None:
    local_port = free_port()
    marker = f"127.0.0.1:{local_port}:"
    with tunnel(sshd, local_port, free_port()) as process:
        assert len(ssh_processes_for(marker)) == 1
        assert stop_ssh(process) == 0  # ssh -N exits 0 on SIGTERM
    assert ssh_processes_for(marker) == []


def test_stopping_the_server_ends_open_tunnels() -> None:
    with SshServer() as server:
        local_port = free_port()
        with tunnel(server, local_port, free_port()) as process:
            server.stop()
            assert process.wait(timeout=10) == 255
            assert ssh_processes_for(f"127.0.0.1:{local_port}:") == []
