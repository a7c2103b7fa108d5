"""The agent's read-only access as a service: row limit and size cap, the server
refusing writes, and a new connection after the old one was killed."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tui.db import open_database
from tui.db.roles import MCP_READER
from tui.demo.cluster import LocalCluster
from tui.profiles import Profile
from tui.services.saved import readonly
from tui.services.saved.library import SavedLibrary
from tui.services.saved.readonly import AgentError, ReadOnlyAccess


def test_caps_refusals_and_a_new_connection_after_a_kill(pg_cluster: LocalCluster, socket_profile: Profile,
                                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg.connect(pg_cluster.socket_conninfo(socket_profile.database), autocommit=True) as admin:
        admin.execute("CREATE TABLE notes (id int, body text); "
                      "INSERT INTO notes SELECT g, repeat('x', 1000) FROM generate_series(1, 50) g")
        database = open_database(socket_profile)
        try:
            access = ReadOnlyAccess(database.connect(MCP_READER), SavedLibrary.load("local", tmp_path),
                                    database.info.version_num, reconnect=lambda: database.connect(MCP_READER))
            monkeypatch.setattr(readonly, "MAX_RESULT_CHARS", 10_000)
            result = access.query("SELECT * FROM notes ORDER BY id", row_limit=40)
            assert result["row_count"] == 9 and result["truncated"] and "10,000 characters" in result["note"]
            with pytest.raises(AgentError, match="DELETE is not allowed here"):
                access.query("DELETE FROM notes")
            with pytest.raises(AgentError):  # the server refuses the write hidden in a WITH
                access.query("WITH gone AS (DELETE FROM notes RETURNING id) SELECT count(*) FROM gone")
            with pytest.raises(AgentError, match="pg_terminate_backend acts on the server"):
                access.query("SELECT pg_terminate_backend(1)")
            # Only reading statements: server-side code, maintenance and session changes are refused.
            for sql in ("DO $$BEGIN PERFORM pg_advisory_lock(42); END$$", "REINDEX TABLE notes", "ANALYZE notes",
                        "CALL p()", "CHECKPOINT", "SET default_transaction_read_only = off"):
                with pytest.raises(AgentError, match="is not allowed here"):
                    access.query(sql)
            with pytest.raises(AgentError, match="set_config changes the session"):
                access.query("SELECT set_config('default_transaction_read_only', 'off', false)")
            assert access.query("TABLE notes", row_limit=2)["row_count"] == 2  # a server-side cursor
            described = access.describe("notes")
            assert [c["name"] for c in described["columns"]] == ["id", "body"]
            pid = access.conn.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            with pytest.raises(AgentError):
                access.query("SELECT 1")  # this call meets the dead connection
            assert access.query("SELECT count(*) AS n FROM notes")["rows"] == [{"n": "50"}]
            assert access.conn.info.backend_pid != pid
        finally:
            database.close()
