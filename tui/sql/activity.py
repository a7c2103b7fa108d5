"""SQL for the activity pane, with the differences between PostgreSQL 12 and 17.

Every function takes `server_version_num` and returns the text for that server,
so version branches live here and nowhere else. Values are always bound as
parameters; the few identifiers come through psycopg.sql.
"""

from __future__ import annotations

from psycopg import sql

# -- sessions -----------------------------------------------------------------


def sessions_query(version_num: int, include_idle: bool = True, by_pid: bool = False,
                   known: bool = False) -> sql.Composed:
    """One row per backend (own pid excluded), with pg_blocking_pids() called
    only for lock waiters: each call takes the lock manager's partition locks.

    Without `include_idle`, plain idle sessions stay on the server: on a busy
    server they are most of the rows and most of the cost. With `by_pid`, only
    the backends in %(pids)s (the idle blockers of the waiters fetched).

    With `known`, two more columns: `change_us` (an idle row's state_change in
    microseconds) and `unchanged`. The idle sessions of the last refresh come as
    %(known_pids)s and %(known_changes)s (comma-separated text: a 2,000-element
    array parameter cost 5 to 25 ms of client CPU to send); an idle session with
    the same pid and state_change has not run anything since, so its row comes
    back empty but for pid (and `now`, on the first row), and the client keeps what it had.

    `now` is one time for all rows (an init plan, run once): clock_timestamp()
    per row gave each row its own, and at 2,000 rows sessions idle since nearly
    the same moment swapped places in the sorted table from one refresh to the next."""
    leader = sql.SQL("a.leader_pid") if version_num >= 130000 else sql.SQL("NULL::int")
    query_id = sql.SQL("a.query_id") if version_num >= 140000 else sql.SQL("NULL::bigint")
    # waitstart (14+) says how long a session has waited for its lock.
    waitstart = (
        sql.SQL("(SELECT min(l.waitstart) FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted)")
        if version_num >= 140000 else sql.SQL("NULL::timestamptz")
    )
    if by_pid:
        where = sql.SQL("a.pid = ANY(%(pids)s)")
    elif include_idle:
        where = sql.SQL("true")
    else:
        where = sql.SQL("a.state IS DISTINCT FROM 'idle'")
    columns: list[tuple[sql.Composable, str]] = [
        (sql.SQL("a.backend_start"), "backend_start"), (sql.SQL("a.datname"), "datname"),
        (sql.SQL("a.usename"), "usename"), (sql.SQL("a.application_name"), "application_name"),
        (sql.SQL("host(a.client_addr)"), "client_addr"), (sql.SQL("a.client_port"), "client_port"),
        (sql.SQL("a.backend_type"), "backend_type"), (sql.SQL("a.state"), "state"),
        (sql.SQL("a.wait_event_type"), "wait_event_type"), (sql.SQL("a.wait_event"), "wait_event"),
        (sql.SQL("a.xact_start"), "xact_start"), (sql.SQL("a.query_start"), "query_start"),
        (sql.SQL("a.state_change"), "state_change"), (sql.SQL("a.backend_xid::text"), "backend_xid"),
        (sql.SQL("a.backend_xmin::text"), "backend_xmin"), (leader, "leader_pid"), (query_id, "query_id"),
        (sql.SQL("a.query"), "query"),
        (sql.SQL("CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END"), "blocked_by"),
        (sql.SQL("CASE WHEN a.wait_event_type = 'Lock' THEN {} END").format(waitstart), "wait_start"),
    ]
    # An unchanged row (`known`): every column NULL, nothing to parse, but pid and now.
    shape = sql.SQL("CASE WHEN k.pid IS NULL THEN {} END AS {}") if known else sql.SQL("{} AS {}")
    select = sql.SQL(",\n       ").join(shape.format(expr, sql.Identifier(name)) for expr, name in columns)
    known_join = extra = sql.SQL("")
    now = sql.SQL("(SELECT clock_timestamp())")
    if known:
        # Only the first row and the changed ones carry `now`: 2,000 timestamps were
        # 2 of a refresh's 4 ms in psycopg, all the same one.
        now = sql.SQL("CASE WHEN k.pid IS NULL OR row_number() OVER () = 1 THEN {} END").format(now)
        change_us = sql.SQL("(extract(epoch FROM a.state_change) * 1000000)::int8")
        extra = sql.SQL(",\n       CASE WHEN k.pid IS NULL AND a.state = 'idle' THEN {} END AS change_us,"
                        "\n       k.pid IS NOT NULL AS unchanged").format(change_us)
        known_join = sql.SQL("""
  LEFT JOIN (SELECT unnest(string_to_array(%(known_pids)s, ',')::int[]) AS pid,
                    unnest(string_to_array(%(known_changes)s, ',')::int8[]) AS change_us) k
    ON k.pid = a.pid AND a.state = 'idle' AND k.change_us = {}""").format(change_us)
    return sql.SQL("""
SELECT a.pid, {select},
       {now} AS now{extra}
  FROM pg_stat_activity a{known_join}
 WHERE a.pid <> pg_backend_pid() AND ({where})
""").format(select=select, now=now, extra=extra, known_join=known_join, where=where)


# How many idle sessions were left on the server.
IDLE_COUNT = "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'idle' AND pid <> pg_backend_pid()"


# The one row the actions check before signalling: pids are reused.
SESSION_IDENTITY = """
SELECT backend_start, backend_type, usename, application_name
  FROM pg_stat_activity WHERE pid = %(pid)s
"""

CANCEL_BACKEND = "SELECT pg_cancel_backend(%(pid)s)"
TERMINATE_BACKEND = "SELECT pg_terminate_backend(%(pid)s)"

# -- server pulse -------------------------------------------------------------

DATABASE_TOTALS = """
SELECT sum(xact_commit)::bigint AS xact_commit, sum(xact_rollback)::bigint AS xact_rollback,
       sum(blks_read)::bigint AS blks_read, sum(blks_hit)::bigint AS blks_hit,
       sum(tup_returned)::bigint AS tup_returned, sum(tup_fetched)::bigint AS tup_fetched,
       sum(tup_inserted)::bigint AS tup_inserted, sum(tup_updated)::bigint AS tup_updated,
       sum(tup_deleted)::bigint AS tup_deleted, sum(temp_bytes)::bigint AS temp_bytes,
       sum(deadlocks)::bigint AS deadlocks,
       current_setting('max_connections')::int AS max_connections,
       pg_is_in_recovery() AS in_recovery,
       clock_timestamp() AS now
  FROM pg_stat_database
"""

# On a standby: how far replay is behind (NULL when nothing replayed yet). With
# no streaming receiver, receive = replay says nothing: the lag is unknown. A role
# without pg_read_all_stats sees the receiver's pid but not its status: 'hidden'.
STANDBY_LAG = """
SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_lag_s,
       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up,
       coalesce((SELECT CASE WHEN status = 'streaming' THEN 'streaming'
                             WHEN status IS NULL AND pid IS NOT NULL THEN 'hidden'
                             ELSE 'down' END
                   FROM pg_stat_wal_receiver LIMIT 1), 'down') AS receiver
"""

# On a primary: one row per connected standby (replay_lag exists since 10).
REPLICATION = """
SELECT application_name, client_addr::text AS client_addr, state,
       extract(epoch FROM replay_lag)::float8 AS replay_lag_s,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS replay_bytes
  FROM pg_stat_replication
 ORDER BY application_name
"""

# -- detail view --------------------------------------------------------------

SESSION_LOCKS = """
SELECT l.locktype, l.mode, l.granted, l.relation::regclass::text AS relation,
       l.transactionid::text AS transactionid, l.virtualxid, l.classid, l.objid, l.objsubid
  FROM pg_locks l WHERE l.pid = %(pid)s
 ORDER BY l.granted, l.locktype, l.mode
"""

# Views with a pid column, each asked only when it exists on the server.
PROGRESS_VIEWS: dict[str, int] = {
    "pg_stat_progress_vacuum": 90600,
    "pg_stat_progress_create_index": 120000,
    "pg_stat_progress_cluster": 120000,
    "pg_stat_progress_analyze": 130000,
    "pg_stat_progress_basebackup": 130000,
    "pg_stat_progress_copy": 140000,
}


def progress_query(view: str) -> sql.Composed:
    """The progress row of one backend from one pg_stat_progress_* view."""
    return sql.SQL("SELECT * FROM {} WHERE pid = %(pid)s").format(sql.Identifier("pg_catalog", view))


# -- pg_stat_statements -------------------------------------------------------

STATEMENTS_SCHEMA = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_stat_statements'"


def statements_columns(version_num: int) -> dict[str, str]:
    """Expressions for the common columns; 13 split total_time into plan + exec,
    17 renamed blk_read_time/blk_write_time to shared_blk_*_time."""
    if version_num >= 130000:
        total, mean = "total_exec_time + total_plan_time", "mean_exec_time"
    else:
        total, mean = "total_time", "mean_time"
    io = ("shared_blk_read_time + shared_blk_write_time" if version_num >= 170000
          else "blk_read_time + blk_write_time")
    return {"total_ms": total, "mean_ms": mean, "io_ms": io}


def statements_query(version_num: int, schema: str, order: str = "total_ms",
                     query_id: bool = False) -> sql.Composed:
    """Top statements by `order` (a key of statements_columns), or one by queryid."""
    cols = statements_columns(version_num)
    assert order in (*cols, "calls", "rows"), order
    where = sql.SQL("WHERE s.queryid = %(query_id)s") if query_id else sql.SQL("")
    return sql.SQL("""
SELECT s.queryid, s.calls, s.rows, ({total})::float8 AS total_ms, ({mean})::float8 AS mean_ms,
       ({io})::float8 AS io_ms, s.shared_blks_hit, s.shared_blks_read, s.query
  FROM {view} s {where}
 ORDER BY {order} DESC NULLS LAST
 LIMIT 100
""").format(total=sql.SQL(cols["total_ms"]), mean=sql.SQL(cols["mean_ms"]), io=sql.SQL(cols["io_ms"]),
            view=sql.Identifier(schema, "pg_stat_statements"), where=where,
            order=sql.Identifier(order))


# -- sub-views ----------------------------------------------------------------

LOCKS = """
SELECT l.pid, l.locktype, l.mode, l.granted,
       coalesce(l.relation::regclass::text, l.transactionid::text, l.virtualxid,
                l.classid::text || ':' || l.objid::text || ':' || l.objsubid::text) AS target,
       a.usename, a.datname, a.state, a.query
  FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.pid IS DISTINCT FROM pg_backend_pid()
 ORDER BY l.granted, l.pid, l.locktype
 LIMIT 2000
"""

# Sizes come from pg_class.relpages (as of the last VACUUM/ANALYZE): pg_*_size()
# would take an ACCESS SHARE lock and hang behind a queued ACCESS EXCLUSIVE,
# the very situation this pane is opened for.
TABLES = """
SELECT s.schemaname, s.relname,
       ((c.relpages + coalesce(t.relpages, 0)
         + coalesce((SELECT sum(ic.relpages) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                      WHERE i.indrelid = c.oid), 0))
        * current_setting('block_size')::bigint)::bigint AS total_bytes,
       s.n_live_tup, s.n_dead_tup, greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze, s.seq_scan, s.idx_scan
  FROM pg_stat_user_tables s
  JOIN pg_class c ON c.oid = s.relid
  LEFT JOIN pg_class t ON t.oid = c.reltoastrelid
 ORDER BY total_bytes DESC, s.schemaname, s.relname
 LIMIT 500
"""

# Duplicate: same table, same key columns, same expressions and predicate.
INDEXES = """
SELECT s.schemaname, s.relname, s.indexrelname,
       (ic.relpages::bigint * current_setting('block_size')::bigint) AS bytes,
       s.idx_scan, i.indisunique OR i.indisprimary AS is_unique,
       count(*) OVER (PARTITION BY i.indrelid, i.indkey::text, i.indclass::text,
                      coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                      coalesce(pg_get_expr(i.indpred, i.indrelid), '')) > 1 AS duplicate
  FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
  JOIN pg_class ic ON ic.oid = s.indexrelid
 ORDER BY bytes DESC, s.schemaname, s.indexrelname
 LIMIT 500
"""
