"""What a `pip install .` ships (every package, the themes, the data files), and
the install commands the README and `.ci/demo` run."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "tui").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"


def test_themes_are_shipped_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["tui.bundled_themes"] == "themes"
    assert list((ROOT / "themes").glob("*.yaml"))


def test_a_warm_demo_start_skips_the_install(tmp_path: Path) -> None:
    """`.ci/demo` with .venv installed from this pyproject.toml goes straight to
    `bastion demo`: no venv check, no pip (they took 3-5 s of every start)."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "demo", tmp_path / ".ci" / "demo")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "bastion").write_text('#!/bin/sh\necho "bastion $*"\n')
    (bin_dir / "bastion").chmod(0o755)  # and no python: a pip call would fail
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    (tmp_path / ".venv" / ".bastion-demo-installed").write_text(f"{digest} [demo]\n")
    result = subprocess.run([str(tmp_path / ".ci" / "demo"), "--reset"], capture_output=True, text=True,
                            timeout=30)
    assert (result.returncode, result.stdout, result.stderr) == (0, "bastion demo --reset\n", "")


def readme_install_commands() -> str:
    """The first `sh` block under the README's "## Install" heading."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Install\n"):]
    start = section.index("```sh\n") + len("```sh\n")
    commands = section[start:section.index("\n```", start)]
    assert "python3 -m venv" in commands
    return commands


@pytest.mark.slow
def test_the_readme_install_commands_work_as_written(tmp_path: Path) -> None:
    """A clean clone, the README's commands as they are, then `bastion --version`."""
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "bastion"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=60)
    home = tmp_path / "user-home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
           # pip's cache stays the real one, so wheels are not downloaded again
           "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    script = "set -euo pipefail\n" + readme_install_commands()
    installed = subprocess.run(["bash", "-c", script], cwd=clone, env=env, capture_output=True, text=True,
                               timeout=600)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    version = subprocess.run([str(home / ".local" / "bin" / "bastion"), "--version"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("bastion "), version.stdout + version.stderr
