"""SSH tunnels through a jump host with the system `ssh`.

The system client, not a Python SSH library: ~/.ssh/config, ProxyJump, agents,
known_hosts and hardware keys then work exactly as they do in the user's shell.
bastion runs `ssh -N -L 127.0.0.1:LOCAL:DBHOST:DBPORT JUMP` and connects to the
local end. ssh can never prompt (BatchMode, no terminal): a tunnel needs a key
in the agent or a key file without a passphrase, and a known host key.

No ssh process outlives bastion: `close()` on disconnect, `stop_all()` at exit
and on SIGHUP/SIGTERM (tui.exit_guard), and on Linux the kernel sends ssh
SIGTERM when bastion dies any other way (even SIGKILL or a segfault).
"""

from __future__ import annotations

import atexit
import collections
import concurrent.futures
import errno
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.db.base import ConnectFailure
from tui.profiles import SshConfig

LOCALHOST = "127.0.0.1"
DEFAULT_PORT = 5432
SERVER_ALIVE_INTERVAL = 15  # seconds; 3 missed answers close a dead tunnel in ~45 s
POLL_INTERVAL = 0.02  # seconds between looks at the local port while ssh starts
STOP_TIMEOUT = 1.0  # then SIGKILL

_live: set[SshTunnel] = set()
_live_lock = threading.Lock()

# ssh is started from one long-lived thread: Linux's parent-death signal fires when
# the *thread* that forked the child ends, so a short-lived worker thread won't do.
_launcher = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="bastion-ssh-launcher")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_local_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOCALHOST, 0))
        return int(probe.getsockname()[1])


def is_listening(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port, found by trying to bind it.

    Binding (with SO_REUSEADDR, so closed connections don't count) instead of
    connecting: a test connection would open a forwarded channel and leave an
    "incomplete startup packet" line in the database server's log.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCALHOST, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
        return False


def forward_spec(local_port: int, remote_host: str, remote_port: int) -> str:
    """The `-L` argument: a TCP host (IPv6 in brackets) or a remote unix socket path."""
    if remote_host.startswith("/"):
        return f"{LOCALHOST}:{local_port}:{remote_host.rstrip('/')}/.s.PGSQL.{remote_port}"
    if ":" in remote_host:
        remote_host = f"[{remote_host}]"
    return f"{LOCALHOST}:{local_port}:{remote_host}:{remote_port}"


def ssh_command(ssh: SshConfig, forward: str | list[str], connect_timeout: int) -> list[str]:
    """The ssh command line, with one `-L` per forward. The user's own `options` come
    first: for each setting ssh keeps the first value it sees, so they override our defaults."""
    command = [shutil.which("ssh") or "ssh", "-N", "-T"]
    for option in ssh.options:
        command += ["-o", option]
    command += [
        "-o", "ExitOnForwardFailure=yes",
        "-o", "BatchMode=yes",
        "-o", f"ConnectTimeout={connect_timeout}",
        "-o", f"ServerAliveInterval={SERVER_ALIVE_INTERVAL}",
        "-o", "ServerAliveCountMax=3",
        # A process of its own, never a multiplexed client or a ControlPersist master
        # that backgrounds itself: stopping it must stop the tunnel.
        "-o", "ControlMaster=no",
        "-o", "ControlPath=none",
    ]
    for spec in [forward] if isinstance(forward, str) else forward:
        command += ["-L", spec]
    if ssh.port:
        command += ["-p", str(ssh.port)]
    if ssh.user:
        command += ["-l", ssh.user]
    if ssh.identity_file:
        command += ["-i", os.path.expanduser(ssh.identity_file)]
    if ssh.jump:
        command += ["-J", ssh.jump]
    # `--`: the host is never read as an option (it is also checked when the profile loads).
    return [*command, "--", ssh.host]


# What ssh prints, and what the person can do about it. First match wins.
_SSH_HINTS: list[tuple[tuple[str, ...], str]] = [
    (("REMOTE HOST IDENTIFICATION HAS CHANGED",),
     "The jump host's key is not the one in known_hosts. Check with whoever runs it before "
     "removing the old key (ssh-keygen -R KNOWN_HOST)."),
    (("Host key verification failed", "No ED25519 host key is known", "host key is not known"),
     "ssh does not know the jump host's key yet: run `SSH_COMMAND` once in a terminal to check and "
     "accept it. bastion never accepts host keys for you."),
    (("Permission denied", "Too many authentication failures"),
     "The jump host refused the login: load your key into the agent (ssh-add), or set ssh.identity_file "
     "to a key without a passphrase. bastion cannot answer ssh's password or passphrase prompts."),
    (("Could not resolve hostname",),
     "Check ssh.host (an alias from ~/.ssh/config or a host name)."),
    (("Address already in use", "cannot listen to port"),
     "The local port was taken; connect again."),
    (("administratively prohibited",),
     "The jump host does not allow port forwarding (sshd's AllowTcpForwarding)."),
    (("open failed", "connect failed"),
     "The jump host cannot reach the database: check the profile's host and port as seen from the jump host."),
    (("Connection refused", "Connection timed out", "No route to host", "Network is unreachable",
      "Operation timed out"),
     "Is the jump host's sshd reachable (host, ssh.port, VPN, firewall)?"),
]


def gist(said: str, keep: int = 3) -> str:
    """ssh's last few plain lines: without its @@@ banners, indented advice and
    "Permanently added" notes, which would flood a one-screen dialog."""
    lines = [line for line in said.splitlines()
             if line.strip() and not line.startswith(("@", " ", "\t", "Warning: Permanently added"))]
    return "\n".join(lines[-keep:])


def ssh_hint(message: str) -> str:
    for needles, hint in _SSH_HINTS:
        if any(needle in message for needle in needles):
            return hint
    return "Try the same tunnel in a terminal: ssh -N -L PORT:DBHOST:DBPORT JUMPHOST"


@dataclass(eq=False)
class SshTunnel:
    """One `ssh -N -L` process forwarding 127.0.0.1:local_port to the database;
    or, with a `carrier`, one more forward that the carrier's ssh process holds."""

    ssh: SshConfig
    remote_host: str
    remote_port: int
    connect_timeout: int = 10
    local_port: int = 0
    process: subprocess.Popen[bytes] | None = None
    carrier: SshTunnel | None = None  # the tunnel whose ssh process also forwards this one

    def __post_init__(self) -> None:
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        self._lines_seen = 0
        self.riders: list[SshTunnel] = []  # forwards of other database hosts in this same ssh process
        self._lock = threading.Lock()
        # Told at once, from ssh's reader thread, when a tunnel that was up dies on its
        # own (killed, network drop): the workspace then needs no heartbeat to notice.
        self.on_drop: Callable[[str], None] | None = None
        self._up: subprocess.Popen[bytes] | None = None  # the process whose tunnel came up

    @property
    def description(self) -> str:
        """`user@jump:port → dbhost:5432` for messages (never secret)."""
        jump = f"{self.ssh.user}@{self.ssh.host}" if self.ssh.user else self.ssh.host
        if self.ssh.port:
            jump += f":{self.ssh.port}"
        if self.ssh.jump:
            jump = f"{self.ssh.jump} → {jump}"
        return f"{jump} → {self.remote_host}:{self.remote_port}"

    def carry(self, remote_host: str, remote_port: int) -> SshTunnel:
        """One more forward through this tunnel's ssh process (one process per jump
        host). Add it before the tunnel starts: ssh takes its forwards when it starts."""
        with self._lock:
            if self.alive:
                raise RuntimeError("forwards are added before the ssh process starts")
            rider = SshTunnel(self.ssh, remote_host, remote_port, self.connect_timeout, carrier=self)
            self.riders.append(rider)
        return rider

    @property
    def lines_seen(self) -> int:
        """How many lines ssh has printed, ever: "anything new since?"."""
        return self.carrier.lines_seen if self.carrier is not None else self._lines_seen

    @lines_seen.setter
    def lines_seen(self, value: int) -> None:
        self._lines_seen = value

    @property
    def alive(self) -> bool:
        if self.carrier is not None:
            return self.carrier.alive
        return self.process is not None and self.process.poll() is None

    def ssh_messages(self, since: int = 0) -> str:
        """What ssh said on stderr (its own words), newest last; `since` a
        former `lines_seen` for only what it said after that."""
        lines = list((self.carrier or self)._stderr)
        if since:
            new = self.lines_seen - since
            lines = lines[-new:] if new > 0 else []  # ([-0:] would be every line)
        return "\n".join(line for line in lines if line.strip())

    # -- starting -----------------------------------------------------------------
    def start(self, cancelled: threading.Event | None = None) -> None:
        """Start ssh and wait until the local end listens. Raises ConnectFailure
        with ssh's own message (host key, auth, forwarding refused)."""
        if self.carrier is not None:
            self.carrier.ensure_up()
            return
        with self._lock:
            self._start_locked(cancelled)

    def ensure_up(self) -> None:
        """Restart a tunnel whose ssh has exited (link lost, jump host rebooted)."""
        if self.carrier is not None:
            self.carrier.ensure_up()
            return
        with self._lock:
            if not self.alive:
                self._stop_locked()
                self._start_locked(None)

    def _start_locked(self, cancelled: threading.Event | None) -> None:
        for attempt in range(2):
            # Keep the old ports on a restart so connection settings stay valid.
            for forward in (self, *self.riders):
                if not forward.local_port or is_listening(forward.local_port):
                    forward.local_port = free_local_port()
            self._spawn()
            try:
                self._wait_until_listening(cancelled)
                self._up = self.process
                return
            except ConnectFailure as failure:
                self._stop_locked()
                if attempt == 0 and "Address already in use" in failure.message:
                    for forward in (self, *self.riders):  # another program took a port in between: pick again
                        forward.local_port = 0
                    continue
                raise

    def _spawn(self) -> None:
        command = ssh_command(self.ssh, [forward_spec(f.local_port, f.remote_host, f.remote_port)
                                         for f in (self, *self.riders)], self.connect_timeout)
        self._stderr.clear()

        def launch() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                # Its own session: ssh has no terminal to prompt on (or to draw over bastion's screen).
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )

        try:
            self.process = _launcher.submit(launch).result()
        except FileNotFoundError:
            raise ConnectFailure("tunnel", "The `ssh` command was not found.",
                                 "Install the OpenSSH client (Debian: openssh-client).") from None
        with _live_lock:
            _live.add(self)
        threading.Thread(target=self._read_stderr, args=(self.process,), daemon=True,
                         name="bastion-ssh-stderr").start()

    def _read_stderr(self, process: subprocess.Popen[bytes]) -> None:
        # Always drain the pipe, so a chatty ssh never blocks on a full buffer.
        assert process.stderr is not None
        try:
            for raw in process.stderr:
                self._stderr.append(raw.decode(errors="replace").rstrip())
                self._lines_seen += 1
        except (OSError, ValueError):
            return  # closed by _stop_locked: a traceback here would draw over the TUI
        # End of stderr: ssh has exited (or is about to). Ours to report only if its
        # tunnel was up and nobody stopped it (close() clears self.process first).
        code = process.wait()
        if self._up is process and self.process is process and self.on_drop is not None:
            try:
                self.on_drop(self.drop_reason(code))
            except Exception:  # noqa: BLE001 - a listener gone (app closing) must not print over the TUI
                pass

    def drop_reason(self, code: int) -> str:
        """'SSH tunnel dropped: <ssh's last word>', for the banner. Lines about one
        forwarded connection ("channel 3: open failed") are not why ssh exited."""
        lines = [line for line in gist(self.ssh_messages(), keep=40).splitlines()
                 if not line.startswith("channel ")]
        said = lines[-1] if lines else (f"ssh was killed (signal {-code})" if code < 0 else f"ssh exited ({code})")
        return f"SSH tunnel dropped: {said}"

    def _wait_until_listening(self, cancelled: threading.Event | None) -> None:
        deadline = time.monotonic() + self.connect_timeout + 5
        process = self.process
        assert process is not None
        while True:
            if cancelled is not None and cancelled.is_set():
                raise ConnectFailure("tunnel", "Cancelled while opening the ssh tunnel.")
            code = process.poll()
            if code is not None:
                process.wait()
                time.sleep(POLL_INTERVAL)  # let the reader thread take ssh's last words
                raise self.failure(f"ssh exited ({code})")
            if all(is_listening(forward.local_port) for forward in (self, *self.riders)):
                return
            if time.monotonic() > deadline:
                raise self.failure(f"ssh did not open the tunnel within {self.connect_timeout + 5} s")
            time.sleep(POLL_INTERVAL)

    def failure(self, fallback: str, since: int = 0) -> ConnectFailure:
        """A ConnectFailure in ssh's own words, with what to do about it."""
        said = self.ssh_messages(since)
        message = f"ssh tunnel via {self.description}: " + (gist(said) or fallback)
        return ConnectFailure("tunnel", message, self._fill_in(ssh_hint(said)))

    def _fill_in(self, hint: str) -> str:
        """The hints' placeholders, with this jump host as the user would type it."""
        host, port = self.ssh.host, self.ssh.port
        other_port = bool(port) and port != 22
        known_host = f"[{host}]:{port}" if other_port else host  # as known_hosts names it
        command = "ssh" + (f" -p {port}" if other_port else "") + (f" -J {self.ssh.jump}" if self.ssh.jump else "")
        command += f" {self.ssh.user}@{host}" if self.ssh.user else f" {host}"
        return hint.replace("KNOWN_HOST", known_host).replace("SSH_COMMAND", command)

    # -- stopping -----------------------------------------------------------------
    def close(self) -> None:
        if self.carrier is not None:
            return  # its carrier's owner closes the one ssh process
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        process, self.process = self.process, None
        with _live_lock:
            _live.discard(self)
        if process is None:
            return
        _stop_process(process)
        if process.stderr is not None:
            process.stderr.close()


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, repeated (OpenSSH 9.2 can miss one that lands just before it
    waits in poll()), then SIGKILL: a -N ssh has nothing to flush."""
    deadline = time.monotonic() + STOP_TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        process.terminate()
        try:
            process.wait(0.1)
        except subprocess.TimeoutExpired:
            pass
    if process.poll() is None:
        process.kill()
        process.wait()


def stop_all() -> None:
    """Stop every tunnel this process started (at exit, on SIGHUP/SIGTERM)."""
    with _live_lock:
        tunnels = list(_live)
    for tunnel in tunnels:
        # No lock here: this may run in a signal handler while a worker holds it.
        process = tunnel.process
        if process is not None:
            _stop_process(process)


def live_tunnels() -> int:
    with _live_lock:
        return len(_live)


atexit.register(stop_all)
