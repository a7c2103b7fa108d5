"""A real, throwaway OpenSSH server for the SSH tunnel tests.

`SshServer` runs Debian's /usr/sbin/sshd in the foreground on 127.0.0.1 and a
free port, with everything (host key, client keys, authorized_keys,
known_hosts, sshd_config, log) in a temp dir. The login user is whoever runs
the tests: root (here and in CI, through sshd's privilege separation) or an
ordinary user (sshd then runs unprivileged and only lets that user in).

The system `ssh` client is pointed at these files with `-o Name=value`
options only (`ssh_options()`), because bastion's tunnel passes options that
way and never `-F`. Note that ssh reads ~/.ssh/config from the passwd home
directory, not from $HOME, so faking HOME would not isolate it: the options
below override what matters instead (command-line options win over any config
file).

Use the `sshd` fixture (session-scoped, exported to every test through
tests/conftest.py), or `with SshServer() as server: ...` for a private one.
`ssh_processes_for(marker)` lists live ssh clients, to check nothing leaks;
`stop_ssh(process)` stops one reliably (a single SIGTERM may be missed).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"  # absolute: sshd re-executes itself for every connection
HOST = "127.0.0.1"
PRIVSEP_DIR = Path("/run/sshd")  # sshd running as root chroots its pre-auth child here


class SshRigError(RuntimeError):
    """The test sshd could not be set up or did not start."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def keygen(path: Path, comment: str) -> Path:
    """A fresh passphrase-less ed25519 key pair: `path` (mode 0600) and `path`.pub."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )
    return path


def public_key(private_key: Path) -> str:
    """'ssh-ed25519 AAAA...' (type and key, without the comment) of a key pair."""
    key_type, key = Path(f"{private_key}.pub").read_text().split()[:2]
    return f"{key_type} {key}"


def sshd_version() -> tuple[int, int]:
    """(major, minor) of the installed sshd: `sshd -V` prints 'OpenSSH_9.2p1 ...' on stderr."""
    result = subprocess.run([SSHD, "-V"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    match = re.search(r"OpenSSH_(\d+)\.(\d+)", result.stderr + result.stdout)
    if not match:
        raise SshRigError(f"cannot tell the OpenSSH version from `{SSHD} -V`: {result.stderr.strip()}")
    return int(match[1]), int(match[2])


def account_locked(user: str) -> bool:
    """Whether /etc/shadow marks `user` locked ('!...'). With UsePAM no, sshd refuses
    such an account even for public keys. Unreadable shadow (not root): not locked."""
    try:
        lines = Path("/etc/shadow").read_text().splitlines()
    except OSError:
        return False
    for line in lines:
        name, _, rest = line.partition(":")
        if name == user:
            return rest.startswith("!")
    return False


class SshServer:
    """A real sshd on 127.0.0.1:`port` accepting `user` with `identity_file` only.

    Attributes (valid after `start()`):
      host, port, user        where and as whom to connect
      identity_file           client private key listed in authorized_keys (mode 0600)
      other_identity_file     a client key sshd does NOT accept ("Permission denied")
      known_hosts             the right host key line for [127.0.0.1]:port
      wrong_known_hosts       a different key for [127.0.0.1]:port ("Host key verification failed")
      log_path                sshd's own log (its stderr; -e), handy when a test fails
    """

    def __init__(self, start_timeout: float = 10.0) -> None:
        self.host = HOST
        self.port = 0
        self.user = pwd.getpwuid(os.getuid()).pw_name  # sshd as non-root only lets this user in
        self.start_timeout = start_timeout
        self.dir = Path(tempfile.mkdtemp(prefix="bastion-test-sshd-"))
        self.config = self.dir / "sshd_config"
        self.log_path = self.dir / "sshd.log"
        self.host_key = self.dir / "host_ed25519"
        self.identity_file = self.dir / "client_ed25519"
        self.other_identity_file = self.dir / "other_client_ed25519"
        self.wrong_host_key = self.dir / "wrong_host_ed25519"
        self.authorized_keys = self.dir / "authorized_keys"
        self.known_hosts = self.dir / "known_hosts"
        self.wrong_known_hosts = self.dir / "wrong_known_hosts"
        self.version = (0, 0)  # sshd's (major, minor), known after start()
        self.process: subprocess.Popen[bytes] | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> SshServer:
        if os.geteuid() == 0:
            # Debian's ssh.service would create it (RuntimeDirectory); here nobody did.
            PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
        if account_locked(self.user):
            raise SshRigError(
                f"account {self.user!r} is locked in /etc/shadow ('!'): sshd with UsePAM no refuses "
                f"it even for public keys; unlock it (e.g. `usermod -p '*' {self.user}`) to run these tests"
            )
        keygen(self.host_key, "bastion-test-host")
        keygen(self.wrong_host_key, "bastion-test-wrong-host")
        keygen(self.identity_file, "bastion-test-client")
        keygen(self.other_identity_file, "bastion-test-other-client")
        self.authorized_keys.write_text(public_key(self.identity_file) + "\n")
        self.version = sshd_version()
        # Another test server (PostgreSQL, ...) may grab the free port before sshd binds it: retry.
        for _attempt in range(3):
            self.port = free_port()
            self._write_config()
            if self._launch():
                return self
        raise SshRigError(f"sshd kept finding its port taken; log:\n{self.log()}")

    def _write_config(self) -> None:
        lines = [
            f"ListenAddress {self.host}",
            f"Port {self.port}",
            f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            f"PidFile {self.dir / 'sshd.pid'}",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",  # the tests run as root here and in CI
            "AllowTcpForwarding yes",
            "StrictModes no",  # the temp dir's ownership/permissions are not checked
            "UsePAM no",  # PAM would need root and a login-capable container
            "X11Forwarding no",
            "PrintMotd no",
            "LogLevel INFO",
        ]
        if self.version >= (9, 8):
            # Newer sshd blocks a source address for a while after a few failed or
            # aborted logins; the tests fail logins from 127.0.0.1 on purpose.
            lines.append("PerSourcePenalties no")
        self.config.write_text("\n".join(lines) + "\n")
        for path, key in ((self.known_hosts, self.host_key), (self.wrong_known_hosts, self.wrong_host_key)):
            path.write_text(f"[{self.host}]:{self.port} {public_key(key)}\n")

    def _launch(self) -> bool:
        """Start sshd and wait for its banner: True when up, False when the port
        was taken (the caller retries), SshRigError otherwise."""
        # Its log goes to a file, not a pipe: nobody drains a pipe during the tests,
        # and a full one would block sshd.
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [SSHD, "-D", "-e", "-f", str(self.config)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if "Address already in use" in self.log():
                    return False
                raise SshRigError(f"sshd exited with {self.process.returncode}; log:\n{self.log()}")
            if self._banner_ok():
                return True
            time.sleep(0.05)
        log = self.log()
        self.stop()
        raise SshRigError(f"sshd did not accept connections on {self.host}:{self.port} "
                          f"within {self.start_timeout}s; log:\n{log}")

    def _banner_ok(self) -> bool:
        """Whether something on our port greets with an SSH banner."""
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as sock:
                return sock.recv(64).startswith(b"SSH-2.0-")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop sshd and the per-connection sshd processes it forked (they call
        setsid(), so they are not in its process group; a stopped server should
        also drop its open tunnels). Then remove the temp dir."""
        if self.process is not None:
            children = descendants(self.process.pid)
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
            for pid in children:
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> SshServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- helpers for tests -------------------------------------------------------
    def log(self) -> str:
        """sshd's log so far (it logs with -e to stderr, which is this file)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def ssh_options(self, known_hosts: Path | None = None) -> list[str]:
        """'Name=value' options (each for `ssh -o`) that make the system ssh trust
        only this server's host key and use only the key given with -i: never the
        real user's known_hosts, agent, keys, multiplexing or proxy settings.
        `known_hosts` defaults to the right one (pass `wrong_known_hosts` to fail)."""
        return [
            f"UserKnownHostsFile={known_hosts or self.known_hosts}",
            "GlobalKnownHostsFile=/dev/null",
            "StrictHostKeyChecking=yes",  # unknown or changed host key: refuse, never ask or add
            "NoHostAuthenticationForLocalhost=no",  # the server is on 127.0.0.1: still check its key
            "UpdateHostKeys=no",  # never write to the known_hosts file
            "IdentitiesOnly=yes",  # only the -i key (and IdentityFile lines of a user config)
            "IdentityAgent=none",  # no ssh-agent keys
            "ControlMaster=no",  # never reuse or create a user's multiplexed connection
            "ControlPath=none",
            "ProxyCommand=none",  # no ProxyCommand/ProxyJump from a user config
        ]

    def ssh_args(self, identity_file: Path | None = None, known_hosts: Path | None = None) -> list[str]:
        """Everything after `ssh` but the forward and the host, as bastion's tunnel
        passes it: -p PORT -l USER -i IDENTITY -o Name=value..."""
        args = ["-p", str(self.port), "-l", self.user, "-i", str(identity_file or self.identity_file)]
        for option in self.ssh_options(known_hosts):
            args += ["-o", option]
        return args


def descendants(pid: int) -> list[int]:
    """All live descendants of `pid` (from the parent ids in /proc/*/stat)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # "PID (comm) STATE PPID ...": comm may hold spaces and parentheses.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def stop_ssh(process: subprocess.Popen, timeout: float = 5.0) -> int:
    """Stop an ssh client and return its exit code: SIGTERM, repeated every 0.2 s,
    then SIGKILL after `timeout`. Repeated because OpenSSH 9.2's client loop waits
    in plain poll(): a SIGTERM landing just before that call is only noticed when
    poll() next wakes up (minutes later on an idle tunnel). A -N ssh that does act
    on SIGTERM exits with 0."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        process.terminate()
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        process.kill()
    return process.wait()


def ssh_processes_for(marker: str) -> list[str]:
    """Live `ssh` client processes whose command line contains `marker` (e.g. a
    port), as 'PID arg0 arg1 ...' strings. Zombies have an empty command line,
    so an exited but not yet reaped ssh is not listed; sshd's own processes
    ('sshd: root@notty', ...) are not `ssh` and never listed."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")[:-1]
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == "ssh" and marker in " ".join(argv):
            found.append(f"{cmdline.parent.name} {' '.join(argv)}")
    return found


@pytest.fixture(scope="session")
def sshd() -> Iterator[SshServer]:
    """One real sshd for the whole run (it keeps no state between tests).
    Skipped when OpenSSH is not installed, except in CI (env CI set), which
    installs it (.ci/run) and must not silently skip the tunnel tests."""
    missing = [name for name in (SSHD, "ssh", "ssh-keygen") if not shutil.which(name)]
    if missing:
        reason = f"OpenSSH not installed ({', '.join(missing)} missing; apt-get install openssh-server)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and CI is set", pytrace=False)
        pytest.skip(reason)
    with SshServer() as server:
        yield server
