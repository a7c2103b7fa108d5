"""The server pane on a real primary and its streaming standby."""

from __future__ import annotations

import psycopg
from helpers.pilot import until
from helpers.topology_rig import Replica
from textual.app import App, ComposeResult

from tui.demo.cluster import LocalCluster
from tui.widgets.server import ServerPane


class ServerApp(App[None]):
    def __init__(self, cluster: LocalCluster) -> None:
        super().__init__()
        self.cluster = cluster

    def compose(self) -> ComposeResult:
        yield ServerPane(lambda: psycopg.connect(self.cluster.socket_conninfo(), autocommit=True),
                         version_num=150000, interval=0.5)


async def test_standby_summary_and_settings(pg_replica: Replica) -> None:
    app = ServerApp(pg_replica.cluster)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(ServerPane)
        await until(pilot, lambda: pane.report is not None, timeout=10)
        assert str(pane.summary()).startswith("STANDBY receiver streaming")
        await pilot.press("v")
        table = pane.query_one("#server-table")
        names = [str(row[0]) for row in (table.get_row_at(i) for i in range(table.row_count))]  # type: ignore[attr-defined]
        assert "primary_conninfo" in names and "port" in names


async def test_inactive_slot_in_red_on_the_primary(pg_replica: Replica) -> None:
    with psycopg.connect(pg_replica.primary.socket_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_create_physical_replication_slot('pane_forgotten', true)")
        conn.execute("CREATE TABLE IF NOT EXISTS pane_probe AS SELECT 1 AS n")
        conn.execute("INSERT INTO pane_probe VALUES (2)")
        try:
            app = ServerApp(pg_replica.primary)
            async with app.run_test(size=(80, 24)) as pilot:
                pane = app.query_one(ServerPane)
                await until(pilot, lambda: pane.report is not None, timeout=10)
                summary = str(pane.summary())
                assert summary.startswith("PRIMARY 1 standby connected")
                assert "slot pane_forgotten: inactive, retaining" in summary
        finally:
            conn.execute("SELECT pg_drop_replication_slot('pane_forgotten')")
