"""Importing URLs, DSNs and .env files: passwords go to the keyring, never to YAML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tui.cli import main
from tui.profiles import ProfileStore, name_problem
from tui.profiles.imports import SourceError, import_source, parse_source, unique_name


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("postgresql://app:s3cret@db.example.com:6543/shop?sslmode=verify-full",
         {"host": "db.example.com", "port": 6543, "database": "shop", "user": "app", "sslmode": "verify-full"}),
        ("postgres://app@db.example.com/shop", {"host": "db.example.com", "database": "shop"}),
        ("postgresql+psycopg://app:s3cret@db/shop", {"host": "db", "database": "shop"}),
        ("postgresql+asyncpg://app:s3cret@db/shop?ssl=require&prepared_statement_cache_size=0",
         {"host": "db", "sslmode": "require"}),
        ("host=db port=5433 dbname=shop user=app password=s3cret connect_timeout=4",
         {"host": "db", "port": 5433, "connect_timeout": 4}),
    ],
)
def test_postgres_sources(source: str, expected: dict) -> None:
    item = parse_source(source)
    for key, value in expected.items():
        assert getattr(item.profile, key) == value
    assert item.profile.name == "shop"
    assert item.profile.password == "keyring"
    assert item.password in (None, "s3cret")


def test_percent_encoded_password_is_decoded() -> None:
    assert parse_source("postgresql://u:p%40ss%2Fw@h/d").password == "p@ss/w"


def test_sqlite_urls(tmp_path: Path) -> None:
    relative = parse_source("sqlite:///data/app.db", base_dir=tmp_path)
    assert relative.profile.path == str(tmp_path / "data" / "app.db")
    absolute = parse_source("sqlite:////var/lib/app/app.db")
    assert absolute.profile.path == "/var/lib/app/app.db" and absolute.profile.driver == "sqlite"
    with pytest.raises(SourceError, match="in-memory"):
        parse_source("sqlite://")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("mysql://u:p@h/d", "unsupported scheme 'mysql://'"),
        ("just some words", "not a URL"),
        ("", "empty"),
        ("host=h port=abc", "port must be a number"),
        ("postgresql://u:topsecret@h/d?sslmode=sometimes", "unknown sslmode"),
    ],
)
def test_bad_sources_explain_themselves_without_the_password(source: str, message: str) -> None:
    with pytest.raises(SourceError, match=message) as caught:
        parse_source(source)
    assert "topsecret" not in str(caught.value)


def test_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "# app settings\nDEBUG=1\nexport DATABASE_URL='postgresql+psycopg://app:pw1@db/shop'\n"
        'ANALYTICS_DB_URL="postgres://bi:pw2@warehouse:5439/bi"\nCACHE_DB_URL=sqlite:///cache.db\n'
    )
    found = import_source(str(env))
    assert [(i.profile.name, i.password) for i in found] == [
        ("shop", "pw1"), ("analytics", "pw2"), ("cache", None)]
    assert found[2].profile.path == str(tmp_path / "cache.db")
    assert found[1].origin == "ANALYTICS_DB_URL in .env:4"


def test_env_file_without_urls(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DEBUG=1\n")
    with pytest.raises(SourceError, match="no connection found"):
        import_source(str(env))


def test_unique_name() -> None:
    assert unique_name("shop", {"shop", "shop-2"}) == "shop-3"


def test_cli_import_moves_the_password_to_the_keyring(
    profiles_file: Path, memory_keyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["profiles", "--profiles", str(profiles_file), "import",
                 "postgresql://app:Tr0ub4dor@db.example.com/shop", "--name", "shop"])
    out = capsys.readouterr()
    assert code == 0
    assert "Tr0ub4dor" not in out.out + out.err
    assert "saved to the OS keyring" in out.out
    assert memory_keyring.entries[("bastion", "shop")] == "Tr0ub4dor"
    assert b"Tr0ub4dor" not in profiles_file.read_bytes()
    assert ProfileStore(profiles_file).load().get("shop").host == "db.example.com"


def test_cli_import_without_keyring_falls_back_to_prompt(
    profiles_file: Path, no_keyring, capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    code = main(["profiles", "--profiles", str(profiles_file), "import", "postgresql://app:Tr0ub4dor@db/shop"])
    out = capsys.readouterr()
    assert code == 0 and "NOT saved" in out.out and "Tr0ub4dor" not in out.out + out.err
    assert ProfileStore(profiles_file).load().get("shop").password == "prompt"
    for path in [profiles_file, *isolated_env.rglob("*")]:
        if path.is_file():
            assert b"Tr0ub4dor" not in path.read_bytes()


def test_cli_import_bad_source_exits_2(profiles_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profiles", "--profiles", str(profiles_file), "import", "mysql://u:zz9top@h/d"]) == 2
    err = capsys.readouterr().err
    assert "unsupported scheme" in err and "zz9top" not in err


def test_cli_import_from_stdin(profiles_file: Path, memory_keyring, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("postgresql://u@h/fromstdin\n"))
    assert main(["profiles", "--profiles", str(profiles_file), "import", "-"]) == 0
    assert "fromstdin" in ProfileStore(profiles_file).load().names()


def test_percent_encoded_spaces_stay_spaces() -> None:
    item = parse_source("postgresql://app@db/shop?options=-c%20search_path%3Dshop&application_name=my%20app")
    assert item.profile.options == "-c search_path=shop"
    assert item.profile.application_name == "my app"


@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_ports_outside_1_to_65535_are_refused(port: str) -> None:
    with pytest.raises(SourceError, match="port must be from 1 to 65535"):
        parse_source(f"postgresql://app@db:{port}/shop")
    with pytest.raises(SourceError, match="port must be from 1 to 65535"):
        parse_source(f"host=db port={port} dbname=shop")


def test_an_absurdly_long_database_name_gives_a_usable_profile_name() -> None:
    item = parse_source("postgresql://app@db/" + "x" * 500)
    assert len(item.profile.name) <= 60 and name_problem(item.profile.name) is None


def test_an_empty_url_line_in_env_is_skipped_with_a_note(
    tmp_path: Path, memory_keyring, capsys: pytest.CaptureFixture[str]
) -> None:
    env = tmp_path / ".env"
    env.write_text("X_DB_URL=\nDATABASE_URL=postgresql://app:pw1@db/shop\nY_DB_URL=''\n")
    notes: list[str] = []
    found = import_source(str(env), notes=notes)
    assert [i.profile.name for i in found] == ["shop"]
    assert notes == [".env: X_DB_URL is empty, skipped", ".env: Y_DB_URL is empty, skipped"]
    profiles_file = tmp_path / "profiles.yaml"
    assert main(["profiles", "--profiles", str(profiles_file), "import", str(env)]) == 0
    assert "X_DB_URL is empty, skipped" in capsys.readouterr().err
    assert ProfileStore(profiles_file).load().names() == ["shop"]
