"""`bastion mcp` driven by the MCP SDK's own client over stdio: tools listed, a
query answered, writes refused by the server, the password nowhere an agent or
another user could read it (arguments, environment)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import anyio
import psycopg
import pytest
from helpers.file_keyring import FILE_VARIABLE
from mcp import Client, StdioServerParameters

from tui.demo.cluster import LocalCluster
from tui.profiles import Profile, ProfileStore
from tui.services.saved.library import PROJECT_FILE

TESTS = Path(__file__).resolve().parents[1]
SETUP = """
CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE);
COMMENT ON TABLE users IS 'people who sign in';
INSERT INTO users SELECT g, 'user ' || g, 'u' || g || '@example.com' FROM generate_series(1, 3000) g;
CREATE FUNCTION sneaky() RETURNS int LANGUAGE sql AS 'DELETE FROM users WHERE id = 1 RETURNING 1';
"""


def _server_pids(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


async def _session(params: StdioServerParameters, profiles_file: Path, password: str) -> dict[str, object]:
    seen: dict[str, object] = {}
    async with Client(params) as client:
        seen["tools"] = sorted(tool.name for tool in (await client.list_tools()).tools)
        pids = _server_pids(str(profiles_file))
        seen["password_in_process"] = [pid for pid in pids for part in ("cmdline", "environ")
                                       if password.encode() in Path(f"/proc/{pid}/{part}").read_bytes()]
        seen["pids"] = pids

        async def call(tool: str, **arguments: object) -> tuple[bool, str]:
            result = await client.call_tool(tool, arguments)
            return result.is_error, result.content[0].text if result.content else ""

        seen["tables"] = await call("list_tables", schema="public")
        seen["describe"] = await call("describe_table", table="users")
        seen["query"] = await call("run_query", sql="SELECT id, name FROM users WHERE id < 4 ORDER BY id")
        seen["capped"] = await call("run_query", sql="SELECT * FROM users ORDER BY id", row_limit=5)
        seen["insert"] = await call("run_query", sql="INSERT INTO users VALUES (0, 'x', NULL)")
        seen["cte"] = await call("run_query", sql="WITH n AS (INSERT INTO users VALUES (0, 'x', NULL) RETURNING id) "
                                                  "SELECT * FROM n")
        seen["sneaky"] = await call("run_query", sql="SELECT sneaky()")
        seen["commit"] = await call("run_query", sql="COMMIT")
        seen["two"] = await call("run_query", sql="SELECT 1; DELETE FROM users")
        seen["enormous"] = await call("run_query", sql="SELECT 1" + " " * 200_000)
        seen["saved"] = await call("list_saved_queries")
        seen["run_saved"] = await call("run_saved_query", name="user_by_name",
                                       parameters={"name": "'); drop table users; --"})
        seen["missing"] = await call("describe_table", table="nope")
    return seen


def test_an_agent_reads_through_the_sdk_client_and_cannot_write(
        pg_profile: Profile, pg_cluster: LocalCluster, pg_database: str, profiles_file: Path,
        tmp_path: Path) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database), autocommit=True) as conn:
        conn.execute(SETUP)
    ProfileStore(profiles_file).load().put(pg_profile)  # over TCP: the password is needed
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({f"bastion/{pg_profile.name}": pg_cluster.password}))
    (tmp_path / PROJECT_FILE).write_text("-- name: user_by_name\n-- description: one user\n"
                                         "SELECT id FROM users WHERE name = :name\n")
    env = {name: os.environ[name] for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME",
                                                "XDG_CACHE_HOME", "PGPASSFILE", "PGSERVICEFILE")}
    env |= {"PYTHONPATH": str(TESTS), "PYTHON_KEYRING_BACKEND": "helpers.file_keyring.FileKeyring",
            FILE_VARIABLE: str(keyring_file)}
    params = StdioServerParameters(command=sys.executable, cwd=tmp_path, env=env,
                                   args=["-m", "tui", "mcp", pg_profile.name, "--profiles", str(profiles_file)])
    seen = anyio.run(_session, params, profiles_file, pg_cluster.password)

    assert seen["tools"] == ["describe_table", "list_saved_queries", "list_schemas", "list_tables",
                             "run_query", "run_saved_query"]
    assert seen["pids"] and seen["password_in_process"] == []
    error, text = seen["tables"]
    assert not error and "people who sign in" in text
    error, text = seen["describe"]
    assert not error and '"email"' in text and "PRIMARY KEY (id)" in text and "users_email_key" in text
    error, text = seen["query"]
    assert not error and json.loads(text)["rows"] == [{"id": "1", "name": "user 1"}, {"id": "2", "name": "user 2"},
                                                      {"id": "3", "name": "user 3"}]
    capped = json.loads(seen["capped"][1])
    assert capped["row_count"] == 5 and capped["truncated"] and "row limit 5" in capped["note"]
    assert seen["insert"][0] and "INSERT is not allowed here" in seen["insert"][1]
    for name in ("cte", "sneaky"):
        error, text = seen[name]
        assert error and "refused by the server" in text and "read-only transaction" in text, text
    assert seen["commit"][0] and "COMMIT is not allowed here" in seen["commit"][1]
    assert seen["two"][0] and "exactly one statement (got 2)" in seen["two"][1]
    assert seen["enormous"][0] and "at most 100,000 are accepted" in seen["enormous"][1]
    error, text = seen["saved"]
    assert not error and '"user_by_name"' in text and '"name": "text"' in text and "health.table_sizes" in text
    error, text = seen["run_saved"]
    assert not error and json.loads(text)["rows"] == []
    assert seen["missing"][0] and "no table or view public.nope" in seen["missing"][1]
    with psycopg.connect(pg_cluster.socket_conninfo(pg_database)) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (3000,)


def test_without_a_stored_password_it_says_what_to_do(pg_profile: Profile, profiles_file: Path,
                                                     memory_keyring, capsys: pytest.CaptureFixture[str]) -> None:
    from tui.cli import main

    ProfileStore(profiles_file).load().put(pg_profile)
    assert main(["mcp", pg_profile.name, "--profiles", str(profiles_file)]) == 2
    assert "bastion profiles set-password testdb" in capsys.readouterr().err
