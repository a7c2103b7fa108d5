"""The two actions that need the project's env.py, run in a subprocess with the
project's own Python (never in this process: env.py configures logging on our
terminal, connects with the application's URL and may run anything)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tui.services.migrations.scripts import AlembicProject

TIMEOUT = 120

CHECK_NOTE = (
    "alembic check compares the models (env.py's target_metadata) with the database that env.py "
    "connects to, which may not be the one open here. It refuses unless that database is at head: "
    "upgrade first, or the drift shown would be the pending migrations."
)


@dataclass(frozen=True)
class ActionResult:
    """What a subprocess action printed, and how it ended."""

    title: str
    command: list[str]
    cwd: Path
    output: str
    returncode: int | None  # None: could not start, or timed out
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def project_python(project: AlembicProject) -> str:
    """The interpreter that has the project's dependencies: a virtualenv beside the
    project (or above it), the active one, the `alembic` on PATH, else ours."""
    for folder in (project.workdir, *project.workdir.parents[:3]):
        for venv in (".venv", "venv", "env"):
            candidate = folder / venv / "bin" / "python"
            if candidate.is_file():
                return str(candidate)
    if os.environ.get("VIRTUAL_ENV"):
        candidate = Path(os.environ["VIRTUAL_ENV"]) / "bin" / "python"
        if candidate.is_file():
            return str(candidate)
    alembic = shutil.which("alembic")
    if alembic:
        try:
            first = Path(alembic).read_text(errors="replace").splitlines()[0]
            if first.startswith("#!") and " " not in first[2:].strip():
                return first[2:].strip()
        except (OSError, IndexError):
            pass
    return sys.executable


def _config_args(project: AlembicProject) -> list[str]:
    if project.config_file and project.config_file.suffix == ".ini":
        return ["-c", str(project.config_file)]
    return []  # pyproject.toml: alembic finds it in the working directory


def run_alembic(project: AlembicProject, args: list[str], title: str, note: str = "",
                python: str | None = None, cancel: threading.Event | None = None,
                log_prefix: str = "") -> ActionResult:
    """`python -m alembic ARGS` in the project's folder; output captured, never
    raised. Setting `cancel` (the user closed the view) kills the process."""
    command = [python or project_python(project), "-m", "alembic", *_config_args(project), *args]
    try:
        process = subprocess.Popen(command, cwd=project.workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   stdin=subprocess.DEVNULL, text=True, errors="replace", start_new_session=True)
    except OSError as exc:
        return ActionResult(title, command, project.workdir, f"Cannot start {command[0]}: {exc}", None, note)
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if (cancel is not None and cancel.is_set()) or time.monotonic() > deadline:
                # The whole session: env.py's own children would keep the pipes open.
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    process.kill()
                stdout, stderr = process.communicate()
                reason = "cancelled" if cancel is not None and cancel.is_set() else f"stopped after {TIMEOUT} s"
                return ActionResult(title, command, project.workdir, f"{stdout}{stderr}\n[{reason}]", None, note)
    output = stdout
    if stderr.strip():
        if log_prefix and process.returncode == 0:  # Alembic's log lines as SQL comments after the SQL
            stderr = "\n".join(log_prefix + line for line in stderr.splitlines())
        output = (output + "\n" if output.strip() else "") + stderr
    return ActionResult(title, command, project.workdir, output.rstrip() or "(no output)", process.returncode, note)


def preview_sql(project: AlembicProject, current: tuple[str, ...], python: str | None = None,
                cancel: threading.Event | None = None) -> ActionResult:
    """Offline `upgrade CURRENT:heads --sql`: the SQL pending migrations would run.
    Offline mode cannot read the database, so the start is the revision we read."""
    if len(current) > 1:
        note = ("The database is on several branches; offline mode takes one start revision, "
                f"so this previews from {current[0]} only.")
    else:
        note = "Offline mode: env.py's run_migrations_offline() renders the SQL; nothing is executed."
    target = f"{current[0]}:heads" if current else "heads"
    return run_alembic(project, ["upgrade", target, "--sql"], "SQL preview of pending migrations", note, python,
                       cancel, log_prefix="-- ")


def check_drift(project: AlembicProject, python: str | None = None,
                cancel: threading.Event | None = None) -> ActionResult:
    """`alembic check`: differences between the models and the database."""
    return run_alembic(project, ["check"], "alembic check (models vs database)", CHECK_NOTE, python, cancel)
