"""What the fleet view asks each PostgreSQL server in one round trip.

Works on 12-17 and without superuser (rows of other users' sessions need
pg_monitor for their state; counts stay right without it)."""

FLEET_PULSE = """
SELECT current_setting('server_version')                         AS version,
       current_setting('server_version_num')::int                 AS version_num,
       pg_is_in_recovery()                                        AS in_recovery,
       current_setting('max_connections')::int                    AS max_connections,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS sessions,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid())::int AS active,
       (SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock')::int AS waiting_on_locks,
       (SELECT extract(epoch FROM max(clock_timestamp() - xact_start)) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::float8 AS longest_xact_s,
       (SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database)::float8 AS xacts,
       pg_database_size(current_database())::float8               AS database_size,
       (SELECT pid FROM pg_stat_wal_receiver LIMIT 1)             AS receiver_pid,  -- all a plain role sees
       (SELECT status FROM pg_stat_wal_receiver LIMIT 1)          AS receiver_status,
       CASE WHEN pg_is_in_recovery() THEN
              CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                   ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) END
            ELSE (SELECT max(extract(epoch FROM replay_lag)) FROM pg_stat_replication)
       END::float8                                                AS replication_lag_s,
       clock_timestamp()                                          AS now
"""
