"""The profiles file: validation with locations, unknown keys kept, safe writes."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from tui.profiles import (
    MAX_PROFILES_FILE_BYTES,
    MigrationsConfig,
    Profile,
    ProfileFileError,
    ProfileStore,
    SshConfig,
    default_profiles_path,
    parse_profile,
    statement_timeout_problem,
)

GOOD = """\
# my profiles
profiles:
  staging:
    host: db.example.internal
    port: 5432
    database: app
    user: app_ro
    read_only: true
    sslmode: verify-full
    sslrootcert: ~/.postgresql/provider-ca.pem
    ssh:
      host: jump.example.internal
      user: ops
    migrations:
      config: ./alembic.ini
      version_table: alembic_version
    favourite_colour: teal
  local:
    driver: sqlite
    path: /tmp/app.db
"""


def write(path: Path, text: str) -> ProfileStore:
    path.write_text(text)
    return ProfileStore(path).load()


def test_loads_every_documented_key(profiles_file: Path) -> None:
    store = write(profiles_file, GOOD)
    staging = store.get("staging")
    assert staging.read_only and staging.sslmode == "verify-full"
    assert staging.ssh == SshConfig(host="jump.example.internal", user="ops")
    assert staging.migrations == MigrationsConfig(config="./alembic.ini", version_table="alembic_version")
    assert staging.target() == "app_ro@db.example.internal:5432/app via ssh jump.example.internal"
    assert store.get("local").is_sqlite
    assert store.errors() == []


def test_unknown_key_is_a_located_warning_and_survives_a_save(profiles_file: Path) -> None:
    store = write(profiles_file, GOOD)
    [warning] = store.warnings()
    assert (warning.line, warning.profile, warning.key) == (17, "staging", "favourite_colour")
    store.put(store.get("local").with_changes(label="Local copy"))
    assert "favourite_colour: teal" in profiles_file.read_text()
    assert ProfileStore(profiles_file).load().get("local").label == "Local copy"


def test_malformed_yaml_reports_line_and_column_and_is_never_overwritten(profiles_file: Path) -> None:
    broken = "profiles:\n  a:\n    host: [unclosed\n"
    store = write(profiles_file, broken)
    assert store.file_error is not None
    assert store.file_error.line == 4 or store.file_error.line == 3
    assert store.file_error.column is not None
    with pytest.raises(ProfileFileError, match="not saving"):
        store.put(Profile(name="new"))
    assert profiles_file.read_text() == broken


@pytest.mark.parametrize(
    ("raw", "key", "expected"),
    [
        ({"driver": "oracle"}, "driver", "unknown driver 'oracle'"),
        ({"port": "fivefour"}, "port", "expected a port number"),
        ({"port": 70000}, "port", "expected a port number"),
        ({"port": 0}, "port", "expected a port number"),
        ({"ssh": {"host": "jump", "port": 65536}}, "ssh.port", "from 1 to 65535"),
        ({"sslmode": "verify"}, "sslmode", "unknown sslmode"),
        ({"password": "hunter2"}, "password", "never stored in this file"),
        ({"read_only": "maybe"}, "read_only", "expected true or false"),
        ({"driver": "sqlite"}, "path", "needs `path`"),
        ({"ssh": {"host": "-oProxyCommand=touch /tmp/x"}}, "ssh.host", "unsafe"),
        ({"ssh": {"host": "jump; rm -rf /"}}, "ssh.host", "unsafe"),
        ({"ssh": {"user": "ops"}}, "ssh.host", "needs a `host`"),
        ({"migrations": 5}, "migrations", "expected a path or a mapping"),
    ],
)
def test_bad_values_name_the_profile_key_and_expectation(raw: dict, key: str, expected: str) -> None:
    profile, problems = parse_profile("p", raw)
    assert profile is None
    assert any(p.key == key and expected in p.message for p in problems), problems


def test_error_location_points_at_the_line(profiles_file: Path) -> None:
    store = write(profiles_file, "profiles:\n  ok:\n    host: h\n  bad:\n    host: h\n    port: many\n")
    [error] = store.errors()
    assert (error.line, error.profile, error.key) == (6, "bad", "port")
    assert f"{profiles_file}:6" in str(error)
    assert "ok" in store.profiles and "bad" not in store.profiles
    with pytest.raises(KeyError, match="invalid"):
        store.get("bad")


def test_missing_profile_says_what_exists(profiles_file: Path) -> None:
    store = write(profiles_file, GOOD)
    with pytest.raises(KeyError, match="no profile named 'prod'.*known: local, staging"):
        store.get("prod")


def test_writes_are_atomic_private_and_keep_a_backup(profiles_file: Path) -> None:
    store = write(profiles_file, GOOD)
    store.put(Profile(name="new", host="h"))
    assert stat.S_IMODE(profiles_file.stat().st_mode) == 0o600
    backup = profiles_file.with_name("profiles.yaml.bak")
    assert backup.read_text() == GOOD
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert not [p for p in profiles_file.parent.iterdir() if p.name.endswith(".tmp")]
    assert set(ProfileStore(profiles_file).load().names()) == {"staging", "local", "new"}


def test_invalid_profiles_are_kept_on_save(profiles_file: Path) -> None:
    store = write(profiles_file, "profiles:\n  bad:\n    driver: oracle\n")
    store.put(Profile(name="good", host="h"))
    reloaded = ProfileStore(profiles_file).load()
    assert reloaded.names() == ["bad", "good"]
    assert "oracle" in profiles_file.read_text()


def test_rename_and_remove(profiles_file: Path) -> None:
    store = write(profiles_file, GOOD)
    store.put(store.get("local").with_changes(name="lite"), replace_name="local")
    store.remove("staging")
    assert ProfileStore(profiles_file).load().names() == ["lite"]
    with pytest.raises(KeyError):
        store.remove("staging")


def test_missing_file_is_an_empty_store(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "nope.yaml").load()
    assert store.names() == [] and store.file_error is None


def test_location_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    assert default_profiles_path() == isolated_env / "xdg_config_home" / "bastion" / "profiles.yaml"
    monkeypatch.setenv("BASTION_PROFILES", str(tmp_path / "elsewhere.yaml"))
    assert default_profiles_path() == tmp_path / "elsewhere.yaml"


def test_example_file_is_valid_and_documents_every_key() -> None:
    example = Path(__file__).resolve().parents[2] / "profiles.example.yaml"
    store = ProfileStore(example).load()
    assert store.file_error is None and store.errors() == []
    text = example.read_text()
    for key in ("driver", "host", "port", "database", "user", "service", "sslmode", "sslrootcert",
                "sslcert", "sslkey", "connect_timeout", "options", "search_path", "application_name",
                "password", "read_only", "production", "statement_timeout", "ssh", "migrations",
                "path", "label", "color", "identity_file", "jump", "version_table"):
        assert f"{key}:" in text, key


@pytest.mark.parametrize(
    ("changes", "unverified"),
    [
        ({"host": "db.example.internal"}, True),
        ({"host": "db.example.internal", "sslmode": "require"}, True),
        ({"host": "db.example.internal", "sslmode": "verify-full"}, False),
        ({"host": "db.example.internal", "sslmode": "verify-ca"}, False),
        ({"host": "127.0.0.1"}, False),
        ({"host": "/var/run/postgresql"}, False),
        ({"driver": "sqlite", "path": "/tmp/x.db"}, False),
    ],
)
def test_tls_unverified_badge_is_for_remote_hosts_only(changes: dict, unverified: bool) -> None:
    assert Profile(name="p", **changes).tls_unverified is unverified


def many_profiles(count: int) -> str:
    return "profiles:\n" + "".join(
        f"  p{i}:\n    host: db{i}.example.internal\n    port: 5432\n    database: app\n    user: app_ro\n"
        f"    read_only: true\n    sslmode: verify-full\n    statement_timeout: 30s\n"
        for i in range(count)
    )


def test_a_huge_profiles_file_is_refused_at_once_and_never_overwritten(profiles_file: Path) -> None:
    text = many_profiles(60_000)  # ~10 MB: took 44 s and 1.4 GB to list
    profiles_file.write_text(text)
    started = time.perf_counter()
    store = ProfileStore(profiles_file).load()
    assert time.perf_counter() - started < 0.5
    assert store.file_error is not None and not store.writable
    message = str(store.file_error)
    assert str(profiles_file) in message and f"{len(text) // 1024:,} KB" in message and "256 KB limit" in message
    with pytest.raises(ProfileFileError):
        store.put(Profile(name="x", host="h"))
    assert profiles_file.read_text() == text


def test_a_profiles_file_just_under_the_limit_parses_quickly(profiles_file: Path) -> None:
    text = many_profiles(1_400)
    assert len(text) < MAX_PROFILES_FILE_BYTES
    profiles_file.write_text(text)
    started = time.perf_counter()
    store = ProfileStore(profiles_file).load()
    assert time.perf_counter() - started < 1.5  # ~0.4 s alone; the test machine is shared
    assert len(store.profiles) == 1_400 and store.file_error is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("x" * 65, "at most 64 characters"), ("my prod", "use letters"), ("-prod", "use letters"),
     ("pro\x1bd", "use letters")],
)
def test_bad_profile_names_are_errors(profiles_file: Path, name: str, expected: str) -> None:
    profile, problems = parse_profile(name, {"host": "h"})
    assert profile is None and any(expected in p.message for p in problems), problems
    assert parse_profile("x" * 64, {"host": "h"})[0] is not None


def test_a_bad_name_in_the_file_is_located(profiles_file: Path) -> None:
    store = write(profiles_file, "profiles:\n  ok:\n    host: h\n  my prod:\n    host: h\n")
    [error] = store.errors()
    assert error.line == 4 and "bad profile name" in error.message and list(store.profiles) == ["ok"]


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path, profiles_file: Path) -> None:
    real = tmp_path / "dotfiles" / "bastion-profiles.yaml"
    real.parent.mkdir()
    real.write_text(GOOD)
    profiles_file.symlink_to(real)
    store = ProfileStore(profiles_file).load()
    store.put(Profile(name="new", host="h"))
    assert profiles_file.is_symlink() and profiles_file.resolve() == real
    assert "new:" in real.read_text() and stat.S_IMODE(real.stat().st_mode) == 0o600
    assert real.with_name(real.name + ".bak").read_text() == GOOD
    assert set(ProfileStore(profiles_file).load().names()) == {"staging", "local", "new"}


TIMEOUTS_TAKEN = ["30s", "0", 0, 30000, "1.5s", "5 min", "2h", "1d", "250ms", "100us", " 45s "]
TIMEOUTS_REFUSED = ["forever", "-5", -5, "30S", "30 sec", "25d", "", "ten"]


@pytest.mark.parametrize("value", TIMEOUTS_REFUSED)
def test_a_statement_timeout_postgres_would_refuse_is_an_error(profiles_file: Path, value: object) -> None:
    profiles_file.write_text(f"profiles:\n  p:\n    host: h\n    statement_timeout: {value!r}\n")
    store = ProfileStore(profiles_file).load()
    [error] = store.errors()
    assert (error.line, error.key) == (4, "statement_timeout") and f"{profiles_file}:4" in str(error)
    assert "a number with a unit" in error.message or "longer than PostgreSQL allows" in error.message


def test_statement_timeouts_agree_with_the_server(pg_cluster, pg_database: str) -> None:
    import psycopg

    def server_takes(value: object) -> bool:
        with psycopg.connect(pg_cluster.socket_conninfo(pg_database)) as conn:
            try:
                conn.execute("SELECT set_config('statement_timeout', %s, false)", (str(value),))
                return True
            except psycopg.Error:
                return False

    for value in TIMEOUTS_TAKEN:
        assert statement_timeout_problem(value) is None and server_takes(value), value
    for value in TIMEOUTS_REFUSED:
        assert statement_timeout_problem(value) is not None and not server_takes(value), value


def test_the_key_table_matches_the_profile_and_its_sections() -> None:
    from dataclasses import MISSING, fields

    from tui.profiles import MIGRATIONS_RULES, PROFILE_RULES, SSH_RULES

    def defaults(cls: type) -> dict[str, object]:
        return {f.name: f.default for f in fields(cls) if f.name not in ("name", "extra") and f.default is not MISSING}

    assert {key: rule.default for key, rule in PROFILE_RULES.items()} == defaults(Profile)
    assert list(PROFILE_RULES) == list(defaults(Profile))
    assert {key: rule.default for key, rule in SSH_RULES.items()} == {"host": None, **defaults(SshConfig)}
    assert {key: rule.default for key, rule in MIGRATIONS_RULES.items()} == defaults(MigrationsConfig)
