"""One throwaway cluster per PostgreSQL major of the suite's matrix
(helpers/pg_versions.py), shared by the modules that test every major.

A cluster is started on first use, with pg_stat_statements preloaded when its
server ships it (and compute_query_id on from 14), and stopped at the end of
the session; initdb is the slow part (~4 s), so each major pays it once.

Fixture: `major_clusters` (session-scoped), exported through conftest.py.
A test module parametrizes over `matrix_majors()` and asks `major_clusters.get(major)`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.pg_versions import has_statements, server_matrix
from tui.demo.cluster import LocalCluster, cluster_temp_dir


def matrix_majors() -> list[int]:
    """The majors to parametrize over (found, or fetched, on first call: at collection)."""
    return sorted(server_matrix().bindirs)


def major_id(major: int) -> str:
    """The test id of a major: pg12 … pg17."""
    return f"pg{major}"


class MajorClusters:
    """The started clusters, by major; each made on first `get`."""

    def __init__(self) -> None:
        self.clusters: dict[int, LocalCluster] = {}
        self.bases: list[Path] = []

    def get(self, major: int) -> LocalCluster:
        """The cluster of `major`, started (its superuser trusted on the socket)."""
        if major not in self.clusters:
            bindir = server_matrix().bindirs[major]
            settings: dict[str, str] = {}
            if has_statements(bindir):
                settings["shared_preload_libraries"] = "pg_stat_statements"
                if major >= 14:
                    settings["compute_query_id"] = "on"
            base = cluster_temp_dir(f"bastion-pg{major}-")
            self.bases.append(base)
            cluster = LocalCluster(datadir=base / "data", socket_dir=base / "sock", bindir=bindir,
                                   settings=settings)
            self.clusters[major] = cluster
            cluster.start()
        return self.clusters[major]

    def stop_all(self) -> None:
        """Stop every cluster started and remove its files."""
        for cluster in self.clusters.values():
            cluster.stop()
        for base in self.bases:
            shutil.rmtree(base, ignore_errors=True)


def preloads_statements(cluster: LocalCluster) -> bool:
    """Whether the cluster runs with pg_stat_statements loaded (CREATE EXTENSION works)."""
    return "pg_stat_statements" in cluster.settings.get("shared_preload_libraries", "")


@pytest.fixture(scope="session")
def major_clusters() -> Iterator[MajorClusters]:
    """The session's clusters of the matrix, stopped and removed at its end."""
    pool = MajorClusters()
    try:
        yield pool
    finally:
        pool.stop_all()
