"""Browse's staged edits: building the preview and applying a change set of N rows.

Each UPDATE also matches every value the user saw (the lost-update check), so it
costs more than a bare `UPDATE … WHERE id = $1`: the peer here is that bare
statement, run for the same rows in one transaction through psycopg.

Builds a 10-column table in a throwaway LocalCluster under /tmp and removes it after.

    .venv/bin/python bench/browse_edits.py [--rows 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402

from tui.db import open_database  # noqa: E402
from tui.db.reader import source_for  # noqa: E402
from tui.demo.cluster import LocalCluster, cluster_temp_dir  # noqa: E402
from tui.profiles import Profile  # noqa: E402
from tui.services.browse import KeysetPager, describe_relation  # noqa: E402
from tui.services.browse.edit_apply import ChangeWriter  # noqa: E402
from tui.services.browse.edit_sql import change_statements, sql_preview  # noqa: E402
from tui.services.browse.editable import edit_target  # noqa: E402
from tui.services.browse.edits import ChangeSet, seen_on_page  # noqa: E402

SETUP = """
CREATE TABLE items (id int PRIMARY KEY, label text, qty numeric(10,2), at timestamptz, tags text[],
                    doc jsonb, flag boolean, code varchar(20), note text, uid uuid);
INSERT INTO items SELECT g, 'item ' || g, g * 1.5, '2024-01-01'::timestamptz + g * interval '1 minute',
       ARRAY['a', 'b'], jsonb_build_object('n', g), g % 2 = 0, 'c' || g, repeat('x', 40), md5(g::text)::uuid
  FROM generate_series(1, 100000) g;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000, help="rows edited per change set")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = cluster_temp_dir("bastion-bench-edits-")
    os.chmod(base, 0o755)
    cluster = LocalCluster(base / "data", base / "sock")
    cluster.start()
    preview, ours, bare = [], [], []
    try:
        conninfo = cluster.socket_conninfo()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(SETUP)
        profile = Profile(name="bench", host=str(cluster.socket_dir), port=cluster.port,
                          database="postgres", user=cluster.superuser, password="none")
        database = open_database(profile)
        source = source_for(database)
        try:
            relation = describe_relation(source, "public", "items")
            target = edit_target(source, relation, profile, database.info)
            writer = ChangeWriter(database, source)
            for run in range(args.runs):
                page = KeysetPager(source, relation, args.rows).first()
                changes = ChangeSet(target)
                for row in range(len(page.rows)):
                    changes.edit_cell(seen_on_page(page, row, 1), "label", f"run {run} row {row}")
                started = time.perf_counter()  # as the review does: the statements, then their text
                statements = change_statements(changes)
                sql_preview(changes, statements)
                preview.append(time.perf_counter() - started)
                started = time.perf_counter()
                writer.apply(changes, statements)
                ours.append(time.perf_counter() - started)
                with psycopg.connect(conninfo) as conn:
                    started = time.perf_counter()
                    with conn.transaction():
                        conn.cursor().executemany("UPDATE items SET label = %s WHERE id = %s",
                                                  [(f"bare {run} {i}", i + 1) for i in range(args.rows)])
                    bare.append(time.perf_counter() - started)
        finally:
            source.close()
            database.close()
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.rows:,} edited rows of a 10-column table, median of {args.runs} runs "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    print(f"statements and SQL preview built {statistics.median(preview) * 1000:8.1f} ms")
    print(f"bastion apply (lost-update check, one transaction, connect included)"
          f" {statistics.median(ours) * 1000:8.1f} ms")
    print(f"peer: bare UPDATE … WHERE id = %s, executemany in one transaction"
          f" {statistics.median(bare) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
