"""Profiles through the test sshd, and waiting for their ssh processes to go."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.sshd_rig import SshServer, ssh_processes_for
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, SshConfig


def ssh_config(sshd: SshServer, identity: Path | None = None, known_hosts: Path | None = None) -> SshConfig:
    return SshConfig(host=sshd.host, user=sshd.user, port=sshd.port,
                     identity_file=str(identity or sshd.identity_file),
                     options=tuple(sshd.ssh_options(known_hosts)))


def tunnel_profile(sshd: SshServer, pg_cluster: LocalCluster, pg_database: str, **changes: object) -> Profile:
    """The database as the jump host sees it (127.0.0.1 there), reached through the tunnel."""
    profile = Profile(name="via-jump", host="127.0.0.1", port=pg_cluster.port, database=pg_database,
                      user=pg_cluster.superuser, password="prompt", sslmode="disable", ssh=ssh_config(sshd))
    return profile.with_changes(**changes)


def wait_for_no_ssh(marker: str, timeout: float = 5) -> list[str]:
    deadline = time.monotonic() + timeout
    while (left := ssh_processes_for(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left
