"""Alembic script directories: where they are, and their revisions read WITHOUT importing.

Why never import: `ScriptDirectory.from_config` executes every migration module in
this process. That fails as soon as one migration imports application code that is
not installed here, it prepends `prepend_sys_path` to our `sys.path`, runs arbitrary
module-level code, and costs ~0.85 s per 1,000 revisions. Reading the module-level
assignments with `ast` takes ~0.1 s, works on a broken project and runs nothing.
"""

from __future__ import annotations

import ast
import configparser
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# Alembic's `path_separator` values (1.16+) and the legacy `version_path_separator`.
_SEPARATORS = {"os": os.pathsep, "space": " ", "newline": "\n", "colon": ":", "semicolon": ";", ",": ","}


class ProjectNotFound(Exception):
    """No Alembic project where we looked: the message says where and what to do."""


@dataclass(frozen=True)
class AlembicProject:
    """A located Alembic project: its config file (if any) and folders."""

    script_location: Path
    version_locations: tuple[Path, ...]
    config_file: Path | None = None  # alembic.ini or pyproject.toml
    recursive: bool = False

    @property
    def workdir(self) -> Path:
        """Where the alembic command runs from: next to its config."""
        return self.config_file.parent if self.config_file else self.script_location.parent


@dataclass(frozen=True)
class RevisionFile:
    """One revision, as written in its file (nothing imported)."""

    revision: str
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]
    depends_on: tuple[str, ...]
    doc: str
    path: Path

    @property
    def message(self) -> str:
        """The first line of the docstring, as `alembic history` shows it."""
        return self.doc.strip().splitlines()[0] if self.doc.strip() else ""


@dataclass
class ScriptRead:
    """Every revision found, plus the files that could not be read and why."""

    revisions: list[RevisionFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Locating the project
# ---------------------------------------------------------------------------


def locate_project(config: str | None = None, script_location: str | None = None,
                   cwd: Path | None = None) -> AlembicProject:
    """The profile's `migrations` keys, else an alembic.ini (or pyproject.toml with
    [tool.alembic]) in the working directory. Raises ProjectNotFound."""
    cwd = cwd or Path.cwd()
    if config:
        path = Path(config).expanduser()
        path = path if path.is_absolute() else cwd / path
        if path.is_dir():
            return _from_directory(path, cwd)
        if not path.is_file():
            raise ProjectNotFound(f"The profile's migrations config {path} does not exist.")
        return _from_config_file(path, cwd, script_location)
    if script_location:
        path = Path(script_location).expanduser()
        path = path if path.is_absolute() else cwd / path
        if not path.is_dir():
            raise ProjectNotFound(f"The profile's script_location {path} is not a folder.")
        return AlembicProject(path, (path / "versions",))
    try:
        return _from_directory(cwd, cwd)
    except ProjectNotFound:
        raise ProjectNotFound(
            f"No alembic.ini or pyproject.toml [tool.alembic] in {cwd}, and the profile has no "
            "`migrations` key. Press l to point at your Alembic project."
        ) from None


def _from_directory(folder: Path, cwd: Path) -> AlembicProject:
    """A folder that holds alembic.ini / pyproject.toml, or is a script directory."""
    for name in ("alembic.ini", "pyproject.toml"):
        candidate = folder / name
        if candidate.is_file():
            try:
                return _from_config_file(candidate, cwd)
            except ProjectNotFound:
                if name == "pyproject.toml":
                    raise
    if (folder / "env.py").is_file() or (folder / "versions").is_dir():
        return AlembicProject(folder, (folder / "versions",))
    raise ProjectNotFound(f"No alembic.ini, pyproject.toml [tool.alembic] or env.py in {folder}.")


def _resolve(value: str, here: Path, cwd: Path) -> Path:
    """Alembic resolves relative paths against the working directory; projects
    usually mean their config's folder, so try that when the first is absent."""
    value = value.replace("%(here)s", str(here)).strip()
    if ":" in value and not os.path.isabs(value) and not (len(value) > 1 and value[1] == ":"):
        package, _, sub = value.partition(":")  # "mypkg:migrations", not imported
        for base in (here, cwd):
            candidate = base / package.replace(".", "/") / sub
            if candidate.is_dir():
                return candidate
        return here / package.replace(".", "/") / sub
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    for base in (cwd, here):
        if (base / path).exists():
            return base / path
    return here / path


def _from_config_file(path: Path, cwd: Path, script_location: str | None = None) -> AlembicProject:
    here = path.parent
    options: dict[str, object] = {}
    if path.suffix == ".toml":
        try:
            options = dict(tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("alembic", {}))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ProjectNotFound(f"Cannot read {path}: {exc}") from None
        if not options:
            raise ProjectNotFound(f"{path} has no [tool.alembic] table.")
    else:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(path, encoding="utf-8")
        except (OSError, configparser.Error) as exc:
            raise ProjectNotFound(f"Cannot read {path}: {exc}") from None
        if parser.has_section("alembic"):
            options = dict(parser.items("alembic"))
        if "script_location" not in options and (here / "pyproject.toml").is_file():
            # Alembic 1.16+: alembic.ini for logging, pyproject.toml for the rest.
            try:
                return _from_config_file(here / "pyproject.toml", cwd, script_location)
            except ProjectNotFound:
                pass
    location = script_location or options.get("script_location")
    if not location:
        raise ProjectNotFound(f"{path} has no script_location.")
    scripts = _resolve(str(location), here, cwd)
    versions = _version_locations(options, here, cwd) or (scripts / "versions",)
    recursive = str(options.get("recursive_version_locations", "false")).lower() in ("true", "1", "yes")
    return AlembicProject(scripts, versions, path, recursive)


def _version_locations(options: dict[str, object], here: Path, cwd: Path) -> tuple[Path, ...]:
    raw = options.get("version_locations")
    if not raw:
        return ()
    if isinstance(raw, list):
        items = [str(item) for item in raw]
    else:
        text = str(raw).replace("%(here)s", str(here))
        key = str(options.get("path_separator") or options.get("version_path_separator") or "space")
        separator = _SEPARATORS.get(key, key)
        items = [item for item in text.split(separator) if item.strip()]
    return tuple(_resolve(item, here, cwd) for item in items)


# ---------------------------------------------------------------------------
# Reading revision files with ast
# ---------------------------------------------------------------------------

_FILE_CACHE: dict[Path, tuple[tuple[int, int], RevisionFile | str | None]] = {}
_DIR_CACHE: dict[tuple[Path, ...], tuple[tuple[int, ...], list[Path]]] = {}


def _as_tuple(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(str(item) for item in value)
    raise ValueError(f"unexpected value {value!r}")


def parse_revision_file(path: Path, source: str | None = None) -> RevisionFile | str | None:
    """A RevisionFile, an error message, or None for a module that is not a revision."""
    try:
        text = source if source is not None else path.read_text(encoding="utf-8")
        tree = ast.parse(text, filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return f"{path.name}: cannot be read ({type(exc).__name__}: {exc})"
    values: dict[str, object] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if value is not None and isinstance(target, ast.Name) and target.id in (
                    "revision", "down_revision", "branch_labels", "depends_on"):
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    values[target.id] = ValueError(f"{target.id} is not a literal")
    if "revision" not in values:
        return None
    try:
        for val in values.values():
            if isinstance(val, ValueError):
                raise val
        revision = values["revision"]
        if not isinstance(revision, str):
            raise ValueError("revision is not a string")
        return RevisionFile(
            revision=revision,
            down_revisions=_as_tuple(values.get("down_revision")),
            branch_labels=_as_tuple(values.get("branch_labels")),
            depends_on=_as_tuple(values.get("depends_on")),
            doc=ast.get_docstring(tree) or "",
            path=path,
        )
    except ValueError as exc:
        return f"{path.name}: {exc}"


def _revision_paths(project: AlembicProject) -> tuple[list[Path], list[str]]:
    """The .py files of the versions folders, cached by the folders' mtimes."""
    folders = project.version_locations
    problems: list[str] = []
    try:
        stamp = tuple(folder.stat().st_mtime_ns for folder in folders)
    except OSError as exc:
        return [], [f"Cannot read the versions folder: {exc}"]
    cached = _DIR_CACHE.get(folders)
    if cached and cached[0] == stamp and not project.recursive:
        return cached[1], problems
    paths: list[Path] = []
    for folder in folders:
        # os.scandir, not Path.glob: glob silently yields nothing for an unreadable folder.
        try:
            if project.recursive:
                errors: list[OSError] = []
                for root, _dirs, files in os.walk(folder, onerror=errors.append):
                    paths.extend(Path(root) / name for name in files if name.endswith(".py"))
                if errors:
                    raise errors[0]
            else:
                with os.scandir(folder) as entries:
                    paths.extend(Path(entry.path) for entry in entries if entry.name.endswith(".py"))
        except OSError as exc:
            problems.append(f"Cannot read the versions folder {folder}: {exc.strerror or exc}")
    paths = sorted(path for path in paths if path.name != "__init__.py")
    if problems:
        return paths, problems
    _DIR_CACHE[folders] = (stamp, paths)
    return paths, problems


def read_revisions(project: AlembicProject) -> ScriptRead:
    """All revisions of the project. A file is parsed again only when its
    size or mtime changed, so refreshing a big history costs a few stats."""
    result = ScriptRead()
    paths, result.problems = _revision_paths(project)
    for path in paths:
        try:
            info = path.stat()
            key = (info.st_mtime_ns, info.st_size)
        except OSError as exc:
            result.problems.append(f"{path.name}: {exc}")
            continue
        cached = _FILE_CACHE.get(path)
        if cached and cached[0] == key:
            parsed = cached[1]
        else:
            parsed = parse_revision_file(path)
            _FILE_CACHE[path] = (key, parsed)
        if isinstance(parsed, RevisionFile):
            result.revisions.append(parsed)
        elif isinstance(parsed, str):
            result.problems.append(parsed)
    return result


def clear_cache() -> None:
    """Forget every parsed file (tests and benchmarks)."""
    _FILE_CACHE.clear()
    _DIR_CACHE.clear()


def upgrade_source(path: Path) -> str:
    """The source of the module's upgrade() function (or a note why there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as exc:
        return f"# cannot read {path}: {exc}"
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            segment = ast.get_source_segment(text, node)
            if segment is not None:
                start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                lines = text.splitlines()[start - 1:node.end_lineno]
                return "\n".join(lines) if lines else segment
    return "# no upgrade() function in this file"
