"""`bastion query`: psql's bytes for the same rows, exit codes scripts can use, the
production guard decided by the server, parameters bound, the keyring password."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import psycopg
import pytest

from tui.cli import main
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore

ROWS = """
CREATE TABLE t (id int, name text, n numeric, j jsonb, b bool, d date);
INSERT INTO t VALUES (1, 'alice', 1.5, '{"a": 1}', true, '2024-02-29'),
  (22, E'multi\\nline', NULL, NULL, false, NULL), (3, 'x,"q"', -2, '[]', NULL, '1999-12-31'),
  (4, '', 0, NULL, true, NULL), (5, 'ünï 表', 1e10, NULL, NULL, NULL), (6, E'tab\\there\\r', 7, NULL, NULL, NULL),
  (7, '\\.', 8, NULL, NULL, NULL);
"""
SELECTS = ["SELECT * FROM t ORDER BY id", "SELECT name, id FROM t ORDER BY id", "SELECT 1 AS a WHERE false",
           "SELECT E'a\\nbb' AS x, 1 AS n, E'q\\n\\nr' AS last, NULL::int AS y", "SELECT"]
PSQL_FLAGS = {"table": [], "csv": ["--csv"], "tsv": ["-A", "-F", "\t", "-P", "footer=off"]}


@pytest.fixture
def shop(pg_cluster: LocalCluster, pg_database: str, socket_profile: Profile, profiles_file: Path) -> Path:
    """Profiles `dev` and `prod` (production) on a database with awkward rows."""
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(ROWS)
    store = ProfileStore(profiles_file).load()
    store.put(socket_profile.with_changes(name="dev"))
    store.put(socket_profile.with_changes(name="prod", production=True))
    return profiles_file


def query(profiles_file: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["query", "--profiles", str(profiles_file), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_formats_are_byte_for_byte_psqls(shop: Path, pg_cluster: LocalCluster, pg_database: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    psql = pg_cluster.bindir / "psql"
    if not psql.exists():
        pytest.skip("no psql next to the server programs")
    conninfo = pg_cluster.socket_conninfo(pg_database)
    for fmt, flags in PSQL_FLAGS.items():
        for sql in SELECTS:
            if fmt != "table" and sql == "SELECT":
                continue  # psql prints nothing useful for no columns but the table
            code, out, err = query(shop, capsys, "dev", sql, "--format", fmt)
            expected = subprocess.run([str(psql), "-X", "-d", conninfo, *flags, "-c", sql],
                                      capture_output=True, check=True).stdout.decode()
            assert (code, err, out) == (0, "", expected), (fmt, sql)


def test_json_and_markdown_keep_types_and_escape(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = query(shop, capsys, "dev", "SELECT id, n, j, b, name FROM t WHERE id IN (1, 3) ORDER BY id",
                         "--format", "json")
    assert code == 0 and out == ('[\n{"id": 1, "n": 1.5, "j": {"a": 1}, "b": true, "name": "alice"},\n'
                                 '{"id": 3, "n": -2, "j": [], "b": null, "name": "x,\\"q\\""}\n]\n')
    code, out, _ = query(shop, capsys, "dev", "SELECT id, name FROM t WHERE id IN (22, 3) ORDER BY id",
                         "--format", "markdown")
    assert out == '| id | name |\n|---:|---|\n| 3 | x,"q" |\n| 22 | multi<br>line |\n'


def test_exit_codes_and_errors_on_stderr(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = query(shop, capsys, "dev", "SELECT 1 AS one; SELECT * FROM nowhere; SELECT 2")
    assert code == 1 and "one" in out and "2" not in out.split("(1 row)")[1]
    assert 'bastion: ERROR:  relation "nowhere" does not exist' in err
    assert query(shop, capsys, "nope", "SELECT 1")[0] == 2
    assert query(shop, capsys, "dev")[0] == 2  # no SQL
    assert query(shop, capsys, "dev", "SELECT 1", "--saved", "x")[0] == 2  # two sources
    code, _, err = query(shop, capsys, "dev", "--saved", "nope")
    assert code == 2 and "no saved query named 'nope'" in err
    code, _, err = query(shop, capsys, "dev", "SELECT :id")
    assert code == 2 and "no value for :id" in err
    code, _, err = query(shop, capsys, "dev", "SELECT 1 \\watch 2")  # never sent as SQL, never dropped
    assert code == 2 and "psql meta-commands are not SQL: \\watch 2" in err
    code, _, err = query(shop, capsys, "dev", "--saved", "health.top_statements")
    assert code == 1 and "pg_stat_statements is not installed in this database" in err
    code, out, _ = query(shop, capsys, "dev", "--saved", "health.sequences_near_max", "--format", "csv")
    assert code == 0 and out.startswith("schema,sequence,data_type")
    (shop.parent / "q.sql").write_text("SELECT count(*) AS c FROM t WHERE id > :min;\n")
    code, out, _ = query(shop, capsys, "dev", "-f", str(shop.parent / "q.sql"), "--param", "min=4", "--format", "csv")
    assert (code, out) == (0, "c\n4\n")


def test_parameters_are_data_and_typed_by_the_server(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    evil = "'); drop table t; --"
    code, out, _ = query(shop, capsys, "dev", "SELECT count(*) FROM t WHERE name = :name OR id = $1",
                         "--param", f"name={evil}", "--param", "1=3", "--format", "csv")
    assert (code, out) == (0, "count\n1\n")
    code, _, err = query(shop, capsys, "dev", "SELECT * FROM t WHERE id = :id", "--param", "id=abc")
    assert code == 1 and 'invalid input syntax for type integer: "abc"' in err
    assert query(shop, capsys, "dev", "SELECT count(*) FROM t", "--format", "csv")[1] == "count\n7\n"


def test_production_writes_need_confirm_and_the_server_decides(shop: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = query(shop, capsys, "prod", "SELECT count(*) FROM t; DELETE FROM t WHERE id = 1",
                           "--format", "csv")
    assert code == 1 and out == "count\n7\n"
    assert "the server says this statement writes, on production profile prod: not run" in err
    assert "--confirm prod" in err
    # A function that writes hides in a SELECT: the read-only trial still catches it.
    query(shop, capsys, "dev", "CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS "
                               "'DELETE FROM t WHERE id = 1 RETURNING 1'")
    code, _, err = query(shop, capsys, "prod", "SELECT sneaky()")
    assert code == 1 and "writes" in err
    code, _, err = query(shop, capsys, "prod", "SELECT pg_cancel_backend(0)")
    assert code == 1 and "acts on the server" in err
    assert query(shop, capsys, "prod", "DELETE FROM t WHERE id = 1", "--confirm", "dev")[0] == 2
    code, out, _ = query(shop, capsys, "prod", "DELETE FROM t WHERE id = 1", "--confirm", "prod")
    assert (code, out) == (0, "DELETE 1\n")
    code, _, err = query(shop, capsys, "dev", "INSERT INTO t (id) VALUES (9)", "--read-only")
    assert code == 1 and "read-only transaction" in err and "standby" not in err  # a primary: no standby hint
    # The user's own BEGIN READ WRITE cannot lift a read-only profile: the trial is read-only.
    code, _, err = query(shop, capsys, "dev", "BEGIN READ WRITE; INSERT INTO t (id) VALUES (9); COMMIT",
                         "--read-only")
    assert code == 1 and "this profile is read-only" in err
    assert query(shop, capsys, "dev", "SELECT count(*) FROM t WHERE id = 9", "--format", "csv")[1] == "count\n0\n"


def test_the_keyring_password_is_used_and_a_missing_one_explained(
        pg_profile: Profile, pg_cluster: LocalCluster, profiles_file: Path, memory_keyring,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ProfileStore(profiles_file).load().put(pg_profile)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = query(profiles_file, capsys, "testdb", "SELECT 1")
    assert code == 2 and "bastion profiles set-password testdb" in err
    memory_keyring.set_password("bastion", "testdb", pg_cluster.password)
    code, out, err = query(profiles_file, capsys, "testdb", "SELECT current_setting('application_name') AS app",
                           "--format", "tsv")
    assert (code, out) == (0, "app\nbastion query\n") and pg_cluster.password not in err


def test_a_sqlite_profile_gets_the_same_formats_and_production_rule(
        tmp_path: Path, profiles_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    path = tmp_path / "lite.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER, name TEXT, f REAL)")
        conn.execute("INSERT INTO t VALUES (1, 'a,b', 1.5), (2, NULL, NULL)")
    store = ProfileStore(profiles_file).load()
    store.put(Profile(name="lite", driver="sqlite", path=str(path), production=True))
    code, out, _ = query(profiles_file, capsys, "lite", "SELECT * FROM t WHERE id >= :min", "--param", "min=1",
                         "--format", "csv")
    assert (code, out) == (0, 'id,name,f\n1,"a,b",1.5\n2,,\n')
    code, _, err = query(profiles_file, capsys, "lite", "DELETE FROM t")
    assert code == 1 and "writes, on production profile lite: not run" in err
    assert query(profiles_file, capsys, "lite", "DELETE FROM t WHERE id = 2", "--confirm", "lite")[0] == 0
    assert query(profiles_file, capsys, "lite", "SELECT count(*) AS n FROM t", "--format", "tsv")[1] == "n\n1\n"


def test_a_write_on_a_standby_says_why_after_the_servers_error(pg_replica, profiles_file: Path,  # type: ignore[no-untyped-def]
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    replica = pg_replica.cluster
    ProfileStore(profiles_file).load().put(Profile(name="replica", host=str(replica.socket_dir), port=replica.port,
                                                   database="postgres", user=replica.superuser, password="none"))
    code, _, err = query(profiles_file, capsys, "replica", "CREATE TABLE nope (x int)")
    assert code == 1
    server, hint = err.splitlines()[:2]
    assert server == "bastion: ERROR:  cannot execute CREATE TABLE in a read-only transaction"
    assert hint.startswith("bastion: Not written: this server is a standby (in recovery)")
    assert query(profiles_file, capsys, "replica", "SELECT 1 AS one", "--format", "csv")[:2] == (0, "one\n1\n")
