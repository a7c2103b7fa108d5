"""`bastion demo`'s engine against a real server: first run seeds, later runs
reuse, the workload shows idle and blocked sessions, and nothing outlives it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from helpers.pilot import until
from textual.widgets import DataTable

from tui.commands.demo import demo_app, demo_parser
from tui.demo.cluster import LocalCluster, cluster_temp_dir
from tui.demo.runner import SYSTEM_BASE_DIR, DemoEnvironment, DemoError, default_base_dir
from tui.demo.seed import APPLIED_REVISION, DEMO_DBNAME
from tui.demo.workload import APPLICATION_NAME, Workload
from tui.screens.picker import PickerScreen
from tui.screens.workspace import WorkspaceScreen

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parent.parent


def postgres_processes_for(data_dir: Path) -> list[int]:
    """Pids whose command line names `data_dir` (the postmaster has `-D data_dir`)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(data_dir) in cmdline and "postgres" in cmdline:
            pids.append(int(proc.name))
    return pids


def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    """Poll `condition()` until it returns something truthy, or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout} s")


def scalar(conninfo: dict[str, Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        row = conn.execute(query, params).fetchone()
        return row[0] if row else None


@pytest.fixture(scope="module")
def base_dir() -> Iterator[Path]:
    # Under /tmp: when run as root the server runs as `postgres`, which must be
    # able to reach it (pytest's own tmp dirs are 0700).
    path = cluster_temp_dir("bastion-demo-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def first_run(base_dir: Path) -> Iterator[tuple[DemoEnvironment, list[str], float]]:
    """The first start on an empty directory (seeds); closed by the last tests."""
    messages: list[str] = []
    demo = DemoEnvironment(base_dir, progress=messages.append, workload=False)
    began = time.monotonic()
    demo.start()
    elapsed = time.monotonic() - began
    yield demo, messages, elapsed
    demo.close()


@pytest.fixture(scope="module")
def demo(first_run: tuple[DemoEnvironment, list[str], float]) -> DemoEnvironment:
    return first_run[0]


# -- first run --------------------------------------------------------------------
def test_first_run_creates_and_seeds_within_a_minute(
    first_run: tuple[DemoEnvironment, list[str], float],
) -> None:
    demo, messages, elapsed = first_run
    assert elapsed < 60
    assert demo.seeded_now
    assert any(m.startswith("Creating a PostgreSQL") for m in messages)
    assert any(m.startswith("Seeding demo database (first run") for m in messages)
    assert demo.conninfo["dbname"] == DEMO_DBNAME
    assert demo.conninfo["host"].startswith("/")  # a unix socket directory
    assert demo.server_version.split(".")[0].isdigit()
    assert demo.alembic_ini.is_file()


def test_server_listens_on_the_socket_only(demo: DemoEnvironment) -> None:
    assert scalar(demo.conninfo, "SHOW listen_addresses") == ""
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host="127.0.0.1",
            port=demo.conninfo["port"],
            user="postgres",
            dbname=DEMO_DBNAME,
            connect_timeout=2,
        )


def test_seeded_schemas_tables_and_views(demo: DemoEnvironment) -> None:
    with psycopg.connect(**demo.conninfo) as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace")}
        assert {"auth", "shop", "billing", "analytics"} <= schemas
        kinds = dict(
            conn.execute(
                "SELECT n.nspname || '.' || c.relname, c.relkind FROM pg_class AS c"
                " JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                " WHERE n.nspname IN ('auth', 'shop', 'billing', 'analytics')"
            ).fetchall()
        )
        assert kinds["billing.payments"] == "p"
        assert kinds["shop.order_summaries"] == "v"
        assert kinds["analytics.daily_event_counts"] == "m"
        assert kinds["shop.Order Notes"] == "r"  # a name that needs quoting
        partitions = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'billing.payments'::regclass"
        ).fetchone()[0]
        assert partitions >= 12
        assert conn.execute("SELECT count(*) FROM billing.payments_default").fetchone()[0] == 0
        foreign_keys = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND connamespace::regnamespace::text IN ('auth', 'shop', 'billing', 'analytics')"
        ).fetchone()[0]
        assert foreign_keys >= 10
        types = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT data_type FROM information_schema.columns"
                " WHERE table_schema IN ('auth', 'shop', 'billing', 'analytics')"
            )
        }
        assert {"uuid", "jsonb", "USER-DEFINED", "inet"} <= types
        assert conn.execute("SELECT count(*) FROM analytics.daily_event_counts").fetchone()[0] > 0


def test_one_table_has_a_million_rows(demo: DemoEnvironment) -> None:
    with psycopg.connect(**demo.conninfo) as conn:
        estimate = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'analytics.events'::regclass"
        ).fetchone()[0]
        assert estimate >= 990_000  # statistics are ready: the pane shows the size at once
        assert conn.execute("SELECT count(*) FROM analytics.events").fetchone()[0] >= 1_000_000


def test_foreign_keys_hold_after_the_bulk_load(demo: DemoEnvironment) -> None:
    # The seed loads with FK triggers off; make sure the generated keys are right.
    with psycopg.connect(**demo.conninfo) as conn:
        orphans = conn.execute(
            "SELECT (SELECT count(*) FROM analytics.events AS e WHERE e.customer_id IS NOT NULL"
            "        AND NOT EXISTS (SELECT FROM shop.customers c WHERE c.id = e.customer_id))"
            "     + (SELECT count(*) FROM shop.order_items AS i"
            "        WHERE NOT EXISTS (SELECT FROM shop.orders o WHERE o.id = i.order_id))"
            "     + (SELECT count(*) FROM billing.payments AS p"
            "        WHERE NOT EXISTS (SELECT FROM billing.invoices v WHERE v.id = p.invoice_id))"
        ).fetchone()[0]
        assert orphans == 0


def test_non_ascii_text_survives(demo: DemoEnvironment) -> None:
    with psycopg.connect(**demo.conninfo) as conn:
        names = {r[0] for r in conn.execute("SELECT full_name FROM shop.customers")}
        assert any("ü" in n or "é" in n for n in names)  # accents
        assert any("山田" in n for n in names)  # CJK
        assert any(any("\u0400" <= ch <= "\u04ff" for ch in n) for n in names)  # Cyrillic
        notes = {r[0] for r in conn.execute('SELECT body FROM shop."Order Notes"')}
        assert any("🎁" in n for n in notes)  # emoji
        assert (
            conn.execute(
                "SELECT count(*) FROM analytics.events WHERE properties ->> 'query' = '抹茶'"
            ).fetchone()[0]
            > 0
        )


def test_alembic_history_has_a_merged_branch_and_pending_revisions(demo: DemoEnvironment) -> None:
    script = ScriptDirectory.from_config(Config(str(demo.alembic_ini)))
    with psycopg.connect(**demo.conninfo) as conn:
        current = [r[0] for r in conn.execute("SELECT version_num FROM public.alembic_version")]
    assert current == [APPLIED_REVISION]
    applied = {s.revision for s in script.iterate_revisions(current, "base")}
    every = {s.revision for s in script.walk_revisions()}
    pending = every - applied
    assert len(every) >= 8
    assert len(pending) == 2
    assert len(script.get_heads()) == 1 and script.get_current_head() in pending
    assert any(script.get_revision(r).is_merge_point for r in applied)
    assert any(script.get_revision(r).is_branch_point for r in applied)


def test_revision_files_import_only_alembic_and_sqlalchemy(demo: DemoEnvironment) -> None:
    for path in (demo.alembic_ini.parent / "versions").glob("*.py"):
        for line in path.read_text().splitlines():
            if line.startswith(("import ", "from ")):
                module = line.split()[1].split(".")[0]
                assert module in {"alembic", "sqlalchemy"}, f"{path.name}: {line}"


def _schema_signature(conninfo: dict[str, Any], dbname: str) -> set[tuple[Any, ...]]:
    """Columns, constraints, indexes, views and comments of the demo schemas."""
    with psycopg.connect(**{**conninfo, "dbname": dbname}) as conn:
        rows = conn.execute(
            """
            SELECT 'column', c.table_schema || '.' || c.table_name, c.column_name,
                   c.data_type || coalesce('(' || c.character_maximum_length || ')', '')
                   || c.is_nullable || coalesce(c.column_default, '')
            FROM information_schema.columns AS c
            WHERE c.table_schema IN ('auth', 'shop', 'billing', 'analytics')
            UNION ALL
            SELECT 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE connamespace::regnamespace::text IN ('auth', 'shop', 'billing', 'analytics')
            UNION ALL
            SELECT 'index', tablename, indexname, indexdef FROM pg_indexes
            WHERE schemaname IN ('auth', 'shop', 'billing', 'analytics')
            UNION ALL
            SELECT 'relation', n.nspname || '.' || c.relname, c.relkind::text,
                   coalesce(pg_get_viewdef(c.oid), '') || coalesce(obj_description(c.oid), '')
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname IN ('auth', 'shop', 'billing', 'analytics')
            UNION ALL
            SELECT 'schema', nspname, '', coalesce(obj_description(oid), '') FROM pg_namespace
            WHERE nspname IN ('auth', 'shop', 'billing', 'analytics')
            """
        ).fetchall()
    return set(rows)


def _alembic(demo: DemoEnvironment, dbname: str, *args: str) -> None:
    # In a subprocess: env.py configures logging, which must not touch this process.
    url = f"postgresql+psycopg://postgres@/{dbname}?host={demo.conninfo['host']}&port={demo.conninfo['port']}"
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(demo.alembic_ini), "-x", f"url={url}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr


def test_migrations_rebuild_the_seeded_schema_and_pending_ones_apply(demo: DemoEnvironment) -> None:
    """The story is true: applied revisions produce exactly what the seed made."""
    with psycopg.connect(**{**demo.conninfo, "dbname": "postgres"}, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS migrated WITH (FORCE)")
        conn.execute("CREATE DATABASE migrated")
    try:
        _alembic(demo, "migrated", "upgrade", APPLIED_REVISION)
        seeded = _schema_signature(demo.conninfo, DEMO_DBNAME)
        migrated = _schema_signature(demo.conninfo, "migrated")
        assert seeded == migrated, (sorted(seeded - migrated), sorted(migrated - seeded))
        _alembic(demo, "migrated", "upgrade", "head")
        assert (
            scalar(
                {**demo.conninfo, "dbname": "migrated"},
                "SELECT count(*) FROM information_schema.columns"
                " WHERE table_name = 'customers' AND column_name = 'loyalty_tier'",
            )
            == 1
        )
    finally:
        with psycopg.connect(**{**demo.conninfo, "dbname": "postgres"}, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS migrated WITH (FORCE)")


def test_pg_stat_statements_is_enabled_when_installed(demo: DemoEnvironment) -> None:
    installed = scalar(
        demo.conninfo, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"
    )
    assert installed == (1 if demo.pg_stat_statements else 0)
    if demo.pg_stat_statements:
        assert scalar(demo.conninfo, "SELECT count(*) FROM pg_stat_statements") >= 0


# -- workload ------------------------------------------------------------------------
def _workload_sessions(conninfo: dict[str, Any]) -> list[tuple[Any, ...]]:
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        return conn.execute(
            "SELECT pid, state, wait_event_type,"
            " CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END"
            " FROM pg_stat_activity WHERE application_name = %s",
            (APPLICATION_NAME,),
        ).fetchall()


def _lock_chain(sessions: list[tuple[Any, ...]]) -> list[int] | None:
    """[A, B, C] when C waits on B and B waits on A, else None."""
    blocked_by = {pid: blockers for pid, _, _, blockers in sessions if blockers}
    for pid, blockers in blocked_by.items():
        for middle in blockers:
            if middle in blocked_by:
                return [blocked_by[middle][0], middle, pid]
    return None


def test_workload_shows_idle_transactions_and_a_lock_chain(demo: DemoEnvironment) -> None:
    workload = Workload(demo.conninfo, interval=0.2)
    workload.start()
    try:

        def ready() -> list[tuple[Any, ...]] | None:
            sessions = _workload_sessions(demo.conninfo)
            idle = [s for s in sessions if s[1] == "idle in transaction"]
            return sessions if len(idle) >= 2 and _lock_chain(sessions) else None

        sessions = wait_for(ready, timeout=15)
        holder, waiter, queued = _lock_chain(sessions) or []
        states = {pid: state for pid, state, _, _ in sessions}
        assert states[holder] == "idle in transaction"
        assert states[waiter] == states[queued] == "active"
        # The shop front writes: new events arrive while we watch.
        before = scalar(demo.conninfo, "SELECT max(id) FROM analytics.events")
        wait_for(lambda: scalar(demo.conninfo, "SELECT max(id) FROM analytics.events") > before)
    finally:
        began = time.monotonic()
        workload.stop()
        stop_took = time.monotonic() - began
    assert stop_took < 5
    assert not workload.running
    wait_for(lambda: not _workload_sessions(demo.conninfo), timeout=5)
    # The chain only ever rolls back: the contended row is unchanged.
    assert scalar(demo.conninfo, "SELECT reserved FROM shop.inventory WHERE product_id = 42") == 0


def _idle_reader(conninfo: dict[str, Any]) -> int | None:
    """Pid of the workload session idle in transaction after reading invoices."""
    return scalar(
        conninfo,
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
        " AND state = 'idle in transaction' AND query LIKE '%%billing.invoices%%'",
        (APPLICATION_NAME,),
    )


def test_workload_sessions_ended_from_outside_come_back(demo: DemoEnvironment) -> None:
    """What a user tries first in the activity pane: terminate the blockers."""
    workload = Workload(demo.conninfo, interval=0.5)
    workload.start()
    try:
        chain = wait_for(lambda: _lock_chain(_workload_sessions(demo.conninfo)), timeout=15)
        reader = wait_for(lambda: _idle_reader(demo.conninfo), timeout=15)
        scalar(demo.conninfo, "SELECT pg_terminate_backend(%s)", (chain[0],))
        scalar(demo.conninfo, "SELECT pg_terminate_backend(%s)", (reader,))
        new_chain = wait_for(
            lambda: (c := _lock_chain(_workload_sessions(demo.conninfo))) and c[0] != chain[0] and c,
            timeout=20,
        )
        new_reader = wait_for(
            lambda: (pid := _idle_reader(demo.conninfo)) and pid != reader and pid, timeout=20
        )
        assert new_chain[0] != chain[0] and new_reader != reader
    finally:
        workload.stop()
    assert not workload.running


# -- one demo per directory, broken directories ------------------------------------
def test_a_second_demo_on_the_same_directory_is_refused(demo: DemoEnvironment) -> None:
    with pytest.raises(DemoError, match="already running"):
        DemoEnvironment(demo.base_dir, progress=lambda _m: None, workload=False).start()
    assert scalar(demo.conninfo, "SELECT 1") == 1  # the running one is untouched


def test_an_unusable_data_directory_is_named_with_the_way_out() -> None:
    base = cluster_temp_dir("bastion-demo-broken-")
    try:
        (base / "data").mkdir()
        (base / "data" / "PG_VERSION").write_text("15\n")  # a cluster with nothing in it
        demo = DemoEnvironment(base, progress=lambda _m: None, workload=False)
        with pytest.raises(DemoError) as raised:
            demo.start()
        message = str(raised.value)
        assert str(base / "data") in message and "--reset" in message
        assert not postgres_processes_for(base / "data")

        DemoEnvironment(base, progress=lambda _m: None).reset()
        assert not (base / "data").exists()
    finally:
        shutil.rmtree(base, ignore_errors=True)


# -- run as root: the server runs as another user ----------------------------------
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")


@pytest.fixture
def private_home() -> Iterator[Path]:
    """A directory like /root: mode 0700, owned by root."""
    path = Path(tempfile.mkdtemp(prefix="bastion-private-home-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _modes(*paths: Path) -> list[int]:
    return [p.stat().st_mode for p in paths]


@as_root
def test_as_root_a_private_home_is_left_alone_and_named(private_home: Path) -> None:
    before = _modes(private_home, private_home.parent)
    demo = DemoEnvironment(private_home / ".cache" / "bastion" / "demo", progress=lambda _m: None,
                           workload=False)
    with pytest.raises(DemoError) as raised:
        demo.start()
    assert _modes(private_home, private_home.parent) == before
    assert str(private_home) in str(raised.value) and "0700" in str(raised.value)
    assert not postgres_processes_for(private_home)


@as_root
def test_as_root_the_demo_data_goes_where_the_server_user_reaches(
    private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(private_home / ".cache"))
    assert default_base_dir() == SYSTEM_BASE_DIR
    os.chmod(private_home, 0o711)  # a home others may pass through: the cache is fine
    assert default_base_dir() == private_home / ".cache" / "bastion" / "demo"


@as_root
def test_as_root_only_the_directories_bastion_creates_are_opened(private_home: Path) -> None:
    os.chmod(private_home, 0o711)
    before = _modes(private_home, private_home.parent)
    previous_umask = os.umask(0o077)  # what a careful root has: new directories are 0700
    try:
        cluster = LocalCluster(datadir=private_home / "a" / "b" / "data", socket_dir=private_home / "sock")
        cluster.init()
    finally:
        os.umask(previous_umask)
    assert cluster.initialised
    assert _modes(private_home, private_home.parent) == before
    assert [stat.S_IMODE(m) for m in _modes(private_home / "a", private_home / "a" / "b")] == [0o701, 0o701]


# -- the demo in the app -----------------------------------------------------------
async def test_ctrl_o_in_the_demo_leads_back_to_the_demo(
    pg_cluster: LocalCluster, pg_database: str, profiles_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BASTION_DEMO_URL", "unused")  # demo_app sets it for Alembic: not for later tests
    demo = DemoEnvironment(progress=lambda _m: None, workload=False)  # not started: the suite's server stands in
    demo.conninfo = {"host": str(pg_cluster.socket_dir), "port": pg_cluster.port,
                     "user": pg_cluster.superuser, "dbname": pg_database}
    app = demo_app(demo, demo_parser().parse_args(["--profiles", str(profiles_file)]))
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen), 10)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, PickerScreen))
        table = app.screen.query_one("#profile-table", DataTable)
        assert table.row_count == 1 and "bastion demo" in str(table.get_row_at(0)[0])
        assert not app.screen.query_one("#picker-empty").display
        await pilot.press("e", "d")  # not in the profiles file: nothing to edit or delete
        assert isinstance(app.screen, PickerScreen)
        assert any("this session only" in n.message for n in app._notifications)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, WorkspaceScreen), 10)
        assert app.screen.profile.name == "demo"
    assert not profiles_file.exists()


# -- stopping and later runs (these run last: they stop the module's server) ---------
def test_stop_leaves_no_server_behind(first_run: tuple[DemoEnvironment, list[str], float]) -> None:
    demo = first_run[0]
    assert postgres_processes_for(demo.data_dir)
    demo.close()
    assert not postgres_processes_for(demo.data_dir)
    assert not (demo.data_dir / "postmaster.pid").exists()
    demo.close()  # idempotent


def test_a_later_run_reuses_the_data_quickly_and_runs_the_workload(
    base_dir: Path,
    first_run: tuple[DemoEnvironment, list[str], float],
) -> None:
    first_run[0].close()
    messages: list[str] = []
    began = time.monotonic()
    with DemoEnvironment(base_dir, progress=messages.append) as demo:
        elapsed = time.monotonic() - began
        assert elapsed < 5
        assert not demo.seeded_now
        assert not any("Seeding" in m for m in messages)
        assert scalar(demo.conninfo, "SELECT count(*) >= 1000000 FROM analytics.events")
        wait_for(lambda: _lock_chain(_workload_sessions(demo.conninfo)), timeout=15)
        data_dir = demo.data_dir
    assert not postgres_processes_for(data_dir)


@contextlib.contextmanager
def _demo_in_subprocess(base_dir: Path) -> Iterator[subprocess.Popen[str]]:
    # Short sleeps, not one long one: Python runs a signal handler in the main
    # thread between bytecodes, and a signal that another thread took would wait
    # for a long sleep to end. Progress goes to stderr with the time since start,
    # and every thread's stack after 40 s: a failed test shows the slow step.
    script = textwrap.dedent(f"""
        import faulthandler, sys, time
        from pathlib import Path
        from tui.demo.runner import DemoEnvironment
        began = time.monotonic()
        def progress(message):
            print(f"{{time.monotonic() - began:6.2f}} s  {{message}}", file=sys.stderr, flush=True)
        with DemoEnvironment(Path({str(base_dir)!r}), progress=progress):
            faulthandler.dump_traceback_later(40)
            print("ready", flush=True)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                time.sleep(0.1)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        yield proc
    finally:
        # A failed test must not leave the demo running: it holds the lock the next test needs.
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize(
    ("signum", "exit_code"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM),
        (signal.SIGHUP, 128 + signal.SIGHUP),
        (signal.SIGINT, -signal.SIGINT),  # Ctrl+C: KeyboardInterrupt, then Python's own exit
    ],
)
def test_a_terminated_demo_stops_its_server(
    base_dir: Path,
    first_run: tuple[DemoEnvironment, list[str], float],
    signum: int,
    exit_code: int,
) -> None:
    if signal.getsignal(signum) is signal.SIG_IGN:
        pytest.skip("signal ignored by the test runner's parent (nohup?); the demo keeps it so")
    if signum in signal.pthread_sigmask(signal.SIG_BLOCK, []):
        pytest.skip("signal blocked by the test runner's parent; the demo would inherit the mask")
    first_run[0].close()
    data_dir = base_dir / "data"
    with _demo_in_subprocess(base_dir) as proc:
        assert postgres_processes_for(data_dir)
        proc.send_signal(signum)
        assert proc.wait(timeout=60) == exit_code
    assert not postgres_processes_for(data_dir)


def test_a_server_orphaned_by_sigkill_is_stopped_by_the_next_run(
    base_dir: Path,
    first_run: tuple[DemoEnvironment, list[str], float],
) -> None:
    first_run[0].close()
    with _demo_in_subprocess(base_dir) as proc:
        proc.kill()
        proc.wait(timeout=10)
    data_dir = base_dir / "data"
    orphans = postgres_processes_for(data_dir)
    assert orphans  # SIGKILL cannot be caught: the server is still there ...
    with DemoEnvironment(base_dir, progress=lambda _m: None, workload=False) as demo:
        assert scalar(demo.conninfo, "SELECT 1") == 1  # ... until the next run replaces it
        assert not set(orphans) & set(postgres_processes_for(data_dir))
    assert not postgres_processes_for(data_dir)
