-- bastion's health pack: read-only checks for PostgreSQL 12-17, written to run
-- without superuser (a role with pg_monitor sees everything they need).
-- Each block says in `advice` what to do when its result looks bad.

-- name: health.database_sizes
-- description: Size of each database, largest first
-- advice: A database growing faster than its data: look at health.table_bloat and old idle-in-transaction sessions holding back vacuum.
SELECT d.datname AS database,
       pg_size_pretty(pg_database_size(d.oid)) AS size,
       pg_database_size(d.oid) AS bytes
FROM pg_database d
WHERE d.datallowconn
  AND (has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'USAGE'))
ORDER BY bytes DESC;

-- name: health.table_sizes
-- description: The 30 largest tables: heap, indexes and TOAST
-- advice: Indexes larger than their table, or a table much larger than its rows need: check health.unused_indexes and health.table_bloat.
SELECT n.nspname AS schema, c.relname AS table,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS total,
       pg_size_pretty(pg_relation_size(c.oid)) AS heap,
       pg_size_pretty(pg_indexes_size(c.oid)) AS indexes,
       pg_size_pretty(pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid)) AS toast,
       c.reltuples::bigint AS rows_estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
ORDER BY pg_total_relation_size(c.oid) DESC, 1, 2
LIMIT 30;

-- name: health.cache_hit_databases
-- description: All-time buffer cache hit ratio per database
-- advice: Below ~99% on an OLTP database: the working set does not fit in shared_buffers (raise it, or add memory), or queries scan too much (see health.top_statements).
SELECT datname AS database,
       blks_hit, blks_read,
       round(100.0 * blks_hit / nullif(blks_hit + blks_read, 0), 2) AS hit_percent
FROM pg_stat_database
WHERE datname IS NOT NULL
ORDER BY hit_percent NULLS LAST, datname;

-- name: health.cache_hit_tables
-- description: All-time cache hit ratio per table (heap and indexes), most read first
-- advice: A busy table far below 99%: it is read from disk; check its queries for sequential scans and missing indexes.
SELECT schemaname AS schema, relname AS table,
       heap_blks_read + coalesce(idx_blks_read, 0) AS blocks_read,
       round(100.0 * (heap_blks_hit + coalesce(idx_blks_hit, 0))
             / nullif(heap_blks_hit + coalesce(idx_blks_hit, 0) + heap_blks_read + coalesce(idx_blks_read, 0), 0),
             2) AS hit_percent
FROM pg_statio_user_tables
ORDER BY blocks_read DESC, 1, 2
LIMIT 30;

-- name: health.table_bloat
-- description: Estimated table bloat (pages beyond what the live rows need, from pg_stats)
-- advice: A large table over ~30% bloat: make autovacuum keep up (lower autovacuum_vacuum_scale_factor for it); to give space back, pg_repack or VACUUM FULL (locks the table).
WITH widths AS (
    SELECT s.schemaname, s.tablename, sum((1 - s.null_frac) * s.avg_width) AS row_width
    FROM pg_stats s
    WHERE s.schemaname NOT IN ('pg_catalog', 'information_schema')
    GROUP BY 1, 2
), estimates AS (
    SELECT n.nspname, c.relname, c.relpages, c.reltuples,
           current_setting('block_size')::numeric AS block_size,
           -- 24 bytes of tuple header and 4 of line pointer per row, 24 of page header per page
           ceil(greatest(c.reltuples, 0)::numeric * (w.row_width + 28)::numeric / (current_setting('block_size')::numeric - 24))
               AS expected_pages
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN widths w ON w.schemaname = n.nspname AND w.tablename = c.relname
    WHERE c.relkind IN ('r', 'm')
)
SELECT nspname AS schema, relname AS table,
       pg_size_pretty((relpages * block_size)::bigint) AS size,
       pg_size_pretty((greatest(relpages - expected_pages, 0) * block_size)::bigint) AS bloat,
       round(100 * greatest(relpages - expected_pages, 0) / nullif(relpages, 0), 1) AS bloat_percent
FROM estimates
ORDER BY greatest(relpages - expected_pages, 0) DESC, 1, 2
LIMIT 30;

-- name: health.index_usage
-- description: Index scans per index, least used first, with sizes
-- advice: A large index with few scans costs every write: confirm over a full business cycle (stats since the last reset), then drop it.
SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS index,
       s.idx_scan AS scans,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS size
FROM pg_stat_user_indexes s
ORDER BY s.idx_scan, pg_relation_size(s.indexrelid) DESC, 1, 2, 3
LIMIT 50;

-- name: health.unused_indexes
-- description: Indexes never scanned since the statistics were reset (not unique, not a constraint)
-- advice: Drop with DROP INDEX CONCURRENTLY after checking the standbys too (their scans are not counted here).
SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS index,
       pg_size_pretty(pg_relation_size(s.indexrelid)) AS size
FROM pg_stat_user_indexes s
JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.idx_scan = 0 AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid)
ORDER BY pg_relation_size(s.indexrelid) DESC, 1, 2, 3;

-- name: health.duplicate_indexes
-- description: Indexes with the same columns, operator classes, expressions and predicate on one table
-- advice: Keep one of each group (the one a constraint uses) and drop the others with DROP INDEX CONCURRENTLY.
SELECT n.nspname AS schema, t.relname AS table,
       string_agg(ic.relname, ', ' ORDER BY ic.relname) AS indexes,
       pg_size_pretty(sum(pg_relation_size(i.indexrelid))::bigint) AS total_size
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
GROUP BY n.nspname, t.relname, i.indrelid, i.indkey::text, i.indclass::text,
         coalesce(pg_get_expr(i.indexprs, i.indrelid), ''), coalesce(pg_get_expr(i.indpred, i.indrelid), '')
HAVING count(*) > 1
ORDER BY 1, 2, 3;

-- name: health.xid_wraparound
-- description: Transaction ID age per database, against the 2^31 limit and autovacuum_freeze_max_age
-- advice: Above ~50% of the limit: find what holds vacuum back (long transactions, abandoned replication slots, prepared transactions) and VACUUM (FREEZE) the oldest tables.
SELECT datname AS database,
       age(datfrozenxid) AS xid_age,
       round(100.0 * age(datfrozenxid) / 2147483647, 2) AS percent_of_limit,
       round(100.0 * age(datfrozenxid) / current_setting('autovacuum_freeze_max_age')::numeric, 1)
           AS percent_of_freeze_max_age
FROM pg_database
ORDER BY age(datfrozenxid) DESC, datname;

-- name: health.sequences_near_max
-- description: Sequences by how much of their range is used (NULL: not readable by you, or never used)
-- advice: Above ~75%: widen the column and the sequence (ALTER SEQUENCE … AS bigint) before inserts start failing.
SELECT schemaname AS schema, sequencename AS sequence, data_type, last_value, max_value,
       round(100.0 * (last_value - min_value) / nullif(max_value - min_value, 0), 2) AS percent_used
FROM pg_sequences
ORDER BY percent_used DESC NULLS LAST, 1, 2;

-- name: health.long_running
-- description: Statements and transactions running for more than a minute
-- advice: Ask the owner, then cancel (pg_cancel_backend) or terminate (pg_terminate_backend) from the Activity pane; set statement_timeout for the role that runs them.
SELECT pid, usename AS user, datname AS database, state,
       date_trunc('second', now() - xact_start) AS transaction_age,
       date_trunc('second', now() - query_start) AS statement_age,
       wait_event_type, left(query, 200) AS query
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND state <> 'idle' AND pid <> pg_backend_pid()
  AND least(xact_start, query_start) < now() - interval '1 minute'
ORDER BY least(xact_start, query_start);

-- name: health.idle_in_transaction
-- description: Sessions idle inside an open transaction (they hold locks and hold back vacuum)
-- advice: Fix the application's missing COMMIT/ROLLBACK; set idle_in_transaction_session_timeout; terminate the worst from the Activity pane.
SELECT pid, usename AS user, datname AS database, application_name,
       date_trunc('second', now() - xact_start) AS transaction_age,
       date_trunc('second', now() - state_change) AS idle_for,
       left(query, 200) AS last_query
FROM pg_stat_activity
WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')
ORDER BY state_change;

-- name: health.top_statements
-- description: The 20 statements with the most total execution time (pg_stat_statements)
-- advice: Tune the top few: EXPLAIN (ANALYZE, BUFFERS) them, add the index they miss, or run them less often.
-- versions: 13+
-- needs: pg_stat_statements
SELECT calls, round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 2) AS mean_ms,
       rows, round((100 * total_exec_time / nullif(sum(total_exec_time) OVER (), 0))::numeric, 1) AS percent,
       left(query, 200) AS query
FROM pg_stat_statements
ORDER BY total_exec_time DESC
LIMIT 20;

-- name: health.top_statements.pg12
-- description: The 20 statements with the most total execution time (pg_stat_statements, PostgreSQL 12)
-- advice: Tune the top few: EXPLAIN (ANALYZE, BUFFERS) them, add the index they miss, or run them less often.
-- versions: 12
-- needs: pg_stat_statements
SELECT calls, round(total_time::numeric, 1) AS total_ms, round(mean_time::numeric, 2) AS mean_ms,
       rows, round((100 * total_time / nullif(sum(total_time) OVER (), 0))::numeric, 1) AS percent,
       left(query, 200) AS query
FROM pg_stat_statements
ORDER BY total_time DESC
LIMIT 20;
