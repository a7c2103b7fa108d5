"""Importing the connections people really have: .env split variables, docker
compose, alembic.ini, psql lines, PG* variables, JDBC, several per file; and the
bad files, each refused with its file and line and nothing saved."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tui.cli import main
from tui.profiles import ProfileStore
from tui.profiles.imports import SourceError, import_source

HARD_PASSWORD = "p@ss:w/rd%#1"


def write(folder: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def summary(found) -> list[tuple]:
    return [(i.profile.name, i.profile.host, i.profile.port, i.profile.user, i.profile.database,
             i.profile.sslmode, i.password) for i in found]


def test_env_split_variables_with_export_quotes_crlf_and_comments(tmp_path: Path) -> None:
    env = write(tmp_path, ".env", (
        "# settings for the app\n"
        "export DB_HOST=db.internal.example\n"
        "DB_PORT=6543   # the pooler\n"
        "DB_USER='app'\n"
        f'DB_PASSWORD="{HARD_PASSWORD}=x"\n'
        "#DB_NAME=old_shop\n"
        "DB_NAME=shop\n"
        "DB_SSLMODE=verify-full\n"
    ), newline="\r\n")
    assert summary(import_source(str(env))) == [
        ("shop", "db.internal.example", 6543, "app", "shop", "verify-full", HARD_PASSWORD + "=x")]


def test_several_connections_named_from_their_prefixes(tmp_path: Path) -> None:
    env = write(tmp_path, "services.env", (
        "AUTH_SERVICE__DB_URL=postgresql://auth:a1@auth-db:5432/auth\n"
        "BILLING_DB_HOST=billing-db\nBILLING_DB_USER=billing\nBILLING_DB_PASSWORD='b#2'\nBILLING_DB_NAME=billing\n"
        "PGHOST=reporting.example\nPGUSER=report\nPGDATABASE=reports\nPGPASSWORD=r3\n"
        "spring.datasource.url=jdbc:postgresql://java-db:5433/orders?ssl=true\n"
        "spring.datasource.username=orders\nspring.datasource.password=o4\n"
    ))
    assert summary(import_source(str(env))) == [
        ("auth-service", "auth-db", 5432, "auth", "auth", None, "a1"),
        ("spring-datasource", "java-db", 5433, "orders", "orders", "require", "o4"),
        ("billing", "billing-db", None, "billing", "billing", None, "b#2"),
        ("reports", "reporting.example", None, "report", "reports", None, "r3"),
    ]


def test_docker_compose_variables_in_a_dotenv(tmp_path: Path) -> None:
    env = write(tmp_path, ".env", "POSTGRES_USER=app\nPOSTGRES_PASSWORD=secret\nPOSTGRES_DB=shop\n")
    assert summary(import_source(str(env))) == [("shop", "localhost", None, "app", "shop", None, "secret")]


def test_docker_compose_file_list_and_map_forms_with_service_hints(tmp_path: Path) -> None:
    compose = write(tmp_path, "docker-compose.yml", (
        "services:\n"
        "  postgres:\n"
        "    image: postgres:16\n"
        "    ports: ['5433:5432']\n"
        "    environment:\n"
        "      POSTGRES_PASSWORD: ${DB_PW:-devpw}\n"
        "      POSTGRES_DB: shop\n"
        "  web:\n"
        "    build: .\n"
        "    environment:\n"
        "      - DATABASE_URL=postgresql://postgres:devpw@postgres:5432/shop\n"
        "      - DEBUG=1\n"
    ))
    found = import_source(str(compose))
    assert summary(found) == [
        ("postgres", "localhost", 5433, "postgres", "shop", None, "devpw"),
        ("web", "postgres", 5432, "postgres", "shop", None, "devpw"),
    ]
    assert found[0].hints == ()
    assert "docker-compose service name" in found[1].hints[0] and "localhost:5433" in found[1].hints[0]
    assert found[1].origin == "DATABASE_URL in docker-compose.yml:11 (service web)"


def test_alembic_ini_and_psql_lines(tmp_path: Path) -> None:
    ini = write(tmp_path, "alembic.ini", "[alembic]\nscript_location = migrations\n"
                                        "sqlalchemy.url = postgresql+psycopg://app:pa%%40ss@db:5432/app\n")
    assert summary(import_source(str(ini))) == [("app", "db", 5432, "app", "app", None, "pa@ss")]
    line = f"PGPASSWORD='{HARD_PASSWORD}' psql -h db.example -p 5432 -U app -d shop -c 'select 1'"
    assert summary(import_source(line)) == [("shop", "db.example", 5432, "app", "shop", None, HARD_PASSWORD)]
    assert summary(import_source('psql "postgresql://u@h/d" -U other')) == [("d", "h", None, "other", "d", None, None)]


def test_urls_with_raw_special_characters_and_jdbc(tmp_path: Path) -> None:
    env = write(tmp_path, ".env", f"DATABASE_URL='postgresql://app:{HARD_PASSWORD}@db.example/shop'\n"
                                  "REPORTS_DB_URL=jdbc:postgresql://rep.example:5432/rep?user=r&password=x%23y\n")
    assert summary(import_source(str(env))) == [
        ("shop", "db.example", None, "app", "shop", None, HARD_PASSWORD),
        ("reports", "rep.example", 5432, "r", "rep", None, "x#y"),
    ]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.env", "DEBUG=1\n# DATABASE_URL=postgresql://x@y/z\n", r"empty.env: no connection found"),
    ("half.env", "A=1\nDB_HOST=db.example\nDB_NAME=shop\n", r"half.env:2: DB_HOST is set but no user"),
    ("twice.env", "DB_HOST=a\nDB_USER=u\nDB_HOST=b\n", r"twice.env:3: DB_HOST is set twice .*lines 1 and 3"),
    ("clash.env", "DATABASE_URL=postgresql://u@a/shop\nDB_HOST=b\nDB_USER=u\n", r"describe different connections"),
    ("port.env", "DB_HOST=a\nDB_USER=u\nDB_PORT=5o432\n", r"port.env:3: DB_PORT must be a port"),
    ("alembic.ini", "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
     r"alembic.ini:2: .*placeholder"),
])
def test_bad_files_name_file_and_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        import_source(str(write(tmp_path, name, content)))


def test_non_utf8_and_huge_files_are_refused(tmp_path: Path) -> None:
    latin = tmp_path / "latin.env"
    latin.write_bytes(b"DB_HOST=a\nDB_USER=ren\xe9\n")
    with pytest.raises(SourceError, match=r"latin.env:2: not UTF-8 \(byte 0xe9\)"):
        import_source(str(latin))
    huge = tmp_path / "huge.env"
    huge.write_text("X=" + "y" * (2 * 1024 * 1024) + "\n")
    with pytest.raises(SourceError, match=r"2,048 KB is too big"):
        import_source(str(huge))


def test_cli_previews_then_saves_all_passwords_to_the_keyring_only(
    tmp_path: Path, profiles_file: Path, memory_keyring, capsys: pytest.CaptureFixture[str], isolated_env: Path
) -> None:
    env = write(tmp_path, ".env", f"AUTH__DB_URL=postgresql://auth:{HARD_PASSWORD.replace('%', '%25')}@db/auth\n"
                                  "DB_HOST=db\nDB_USER=app\nDB_PASSWORD=Zq9-second\nDB_NAME=shop\n")
    assert main(["profiles", "--profiles", str(profiles_file), "import", str(env), "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Will create 2 profiles:\n  auth  auth@db/auth\n"
                          "      password → OS keyring · from AUTH__DB_URL")
    assert "hint: host 'db' is a docker-compose service name" in out
    assert HARD_PASSWORD not in out and "Zq9-second" not in out
    assert memory_keyring.entries[("bastion", "auth")] == HARD_PASSWORD
    assert memory_keyring.entries[("bastion", "shop")] == "Zq9-second"
    assert ProfileStore(profiles_file).load().names() == ["auth", "shop"]
    written = [p for p in [profiles_file, *isolated_env.rglob("*")] if p.is_file()]
    assert not [p for p in written if b"Zq9-second" in p.read_bytes() or HARD_PASSWORD.encode() in p.read_bytes()]


def test_cli_bad_file_saves_nothing(tmp_path: Path, profiles_file: Path, memory_keyring,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    env = write(tmp_path, ".env", "DATABASE_URL=postgresql://a:pw1@h/one\nDB_HOST=x\n")
    assert main(["profiles", "--profiles", str(profiles_file), "import", str(env), "--yes"]) == 2
    assert ".env:2: DB_HOST is set but no user" in capsys.readouterr().err
    assert not profiles_file.exists() and memory_keyring.entries == {}


def test_a_failed_write_leaves_no_password_behind(tmp_path: Path, profiles_file: Path, memory_keyring) -> None:
    from tui.profiles import ProfileFileError
    from tui.profiles.imports import plan_import
    from tui.profiles.imports.plan import carry_out
    from tui.secrets import KeyringStore

    env = write(tmp_path, ".env", "A__DB_URL=postgresql://a:pw-a@h/a\nB__DB_URL=postgresql://b:pw-b@h/b\n")
    store = ProfileStore(profiles_file).load()
    profiles_file.write_text("profiles:\n  x: [\n")  # broken after loading: the write is refused
    store.load()
    plan = plan_import(str(env), import_source(str(env)), set())
    with pytest.raises(ProfileFileError):
        carry_out(plan, store, KeyringStore())
    assert memory_keyring.entries == {}
    assert profiles_file.read_text() == "profiles:\n  x: [\n"


PASTED_ONE = [("d", "h.example", None, "u", "d", None, HARD_PASSWORD)]
QUOTED = HARD_PASSWORD.replace("%", "%25")  # as a URL holds it


@pytest.mark.parametrize("pasted", [
    f"DATABASE_URL=postgresql://u:{QUOTED}@h.example/d",
    f'export DATABASE_URL="postgresql://u:{QUOTED}@h.example/d"\n',
    f"sqlalchemy.url = postgresql+psycopg://u:{QUOTED.replace('%', '%%')}@h.example/d",
    f"DB_HOST=h.example DB_USER=u DB_NAME=d DB_PASSWORD='{HARD_PASSWORD}'",
    f"export PGHOST=h.example PGUSER=u PGDATABASE=d PGPASSWORD='{HARD_PASSWORD}'",
    f"# from the wiki\r\nPGHOST=h.example\r\nPGUSER=u\r\n\r\nPGDATABASE=d  # reports\r\n"
    f"PGPASSWORD='{HARD_PASSWORD}'\r\n",
    f"PGPASSWORD='{HARD_PASSWORD}' psql -h h.example -U u -d d",
    f"jdbc:postgresql://h.example/d?user=u&password={quote(HARD_PASSWORD, safe='')}",
])
def test_pasted_text_is_read_like_a_file(pasted: str) -> None:
    found = import_source(pasted)
    assert summary(found) == PASTED_ONE
    if "=" in pasted.split("://")[0] and "psql" not in pasted:
        assert "in pasted text:" in found[0].origin


def test_pasted_docker_compose_variables_on_one_line() -> None:
    assert summary(import_source("POSTGRES_USER=u POSTGRES_PASSWORD=pw1 POSTGRES_DB=d")) == [
        ("d", "localhost", None, "u", "d", None, "pw1")]


def test_pasted_compose_file_and_environment_block() -> None:
    compose = ("services:\n  pg:\n    image: postgres:16\n    ports: ['5433:5432']\n    environment:\n"
               "      POSTGRES_PASSWORD: ${PW:-devpw}\n  web:\n    environment:\n"
               "      - DATABASE_URL=postgresql://postgres:devpw@pg/postgres\n")
    found = import_source(compose)
    assert summary(found) == [("pg", "localhost", 5433, "postgres", "postgres", None, "devpw"),
                              ("web", "pg", None, "postgres", "postgres", None, "devpw")]
    assert found[1].hints == ("host 'pg' is a docker-compose service name, reachable only inside compose's "
                              "network: from this machine use localhost:5433",)
    block = "    environment:\n      - POSTGRES_USER=app\n      - POSTGRES_PASSWORD=pw2\n"
    assert summary(import_source(block)) == [("app", "localhost", None, "app", "app", None, "pw2")]


def test_pasted_text_with_several_connections_named_from_prefixes() -> None:
    found = import_source("AUTH__DB_URL=postgresql://auth:a1@auth.example/auth\n"
                          "BILLING_DB_HOST=billing.example BILLING_DB_USER=billing BILLING_DB_PASSWORD=b2\n")
    assert summary(found) == [("auth", "auth.example", None, "auth", "auth", None, "a1"),
                              ("billing", "billing.example", None, "billing", None, None, "b2")]
    assert [i.origin for i in found] == ["AUTH__DB_URL in pasted text:1",
                                         "BILLING_DB_HOST, BILLING_DB_PASSWORD, BILLING_DB_USER in pasted text:2"]


@pytest.mark.parametrize("pasted", ["DEBUG=1\nLOG_LEVEL=info\n", "hello there", "mydb"])
def test_pasted_text_without_a_connection_names_what_was_looked_for(pasted: str) -> None:
    with pytest.raises(SourceError, match=r"^pasted text: no connection found \(looked for a postgresql:// "
                                          r"/ JDBC / sqlite:/// URL, a key=value DSN, the path of a file, "
                                          r"DATABASE_URL"):
        import_source(pasted)


def test_pasted_text_errors_name_the_line() -> None:
    with pytest.raises(SourceError, match=r"^pasted text:2: DB_HOST is set but no user"):
        import_source("DEBUG=1\nDB_HOST=h.example DB_NAME=d\n")


def test_the_compose_service_hint_for_every_kind_of_source(tmp_path: Path) -> None:
    ini = write(tmp_path, "alembic.ini", "[alembic]\nsqlalchemy.url = postgresql://app@db/app\n")
    sources = [str(ini), "postgresql://app@postgres/app", "psql -h database -U app -d app",
               "jdbc:postgresql://pg:5432/app?user=app", "host=db user=app dbname=app",
               "DATABASE_URL=postgresql://app@db/app"]
    for source in sources:
        [item] = import_source(source)
        assert len(item.hints) == 1 and "is a docker-compose service name" in item.hints[0], source
        assert "from this machine use localhost and the port the container publishes" in item.hints[0]
    assert import_source("postgresql://app@db.example.com/app")[0].hints == ()


def test_cli_import_dash_reads_all_of_stdin(profiles_file: Path, memory_keyring, isolated_env: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(
        f"# staging\nexport DATABASE_URL='postgresql://app:{QUOTED}@stage.example/shop'\n"
        "REPORTS_DB_HOST=rep.example REPORTS_DB_USER=rep REPORTS_DB_PASSWORD=Zq9-second\n"))
    assert main(["profiles", "--profiles", str(profiles_file), "import", "-"]) == 0
    out = capsys.readouterr().out
    assert "from DATABASE_URL in pasted text:2" in out and "in pasted text:3" in out
    assert HARD_PASSWORD not in out and "Zq9-second" not in out
    assert ProfileStore(profiles_file).load().names() == ["reports", "shop"]
    assert memory_keyring.entries == {("bastion", "shop"): HARD_PASSWORD, ("bastion", "reports"): "Zq9-second"}
    written = [p for p in [profiles_file, *isolated_env.rglob("*")] if p.is_file()]
    assert not [p for p in written if b"Zq9-second" in p.read_bytes() or HARD_PASSWORD.encode() in p.read_bytes()]
