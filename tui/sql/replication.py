"""SQL for replication: a standby's receiver and replay, a primary's standbys
and slots, and the server's non-default settings. PostgreSQL 12-17; every
version difference is decided here from `server_version_num`."""

from __future__ import annotations


def standby_status_query(version_num: int) -> str:
    """One row on a standby: the WAL receiver (NULLs when it is not running),
    what was received and replayed, and whether replay is paused.

    Without pg_read_all_stats the view shows a running receiver's pid and NULL
    for everything else (status too): the pid alone says it runs.

    receive_lsn comes from the receiver's own view (flushed_lsn on 13+,
    received_lsn on 12): `pg_last_wal_receive_lsn()` keeps the last value after
    the receiver stops, which would make a stopped receiver look caught up."""
    flushed = "r.flushed_lsn" if version_num >= 130000 else "r.received_lsn"
    paused = (
        "pg_get_wal_replay_pause_state() <> 'not paused'" if version_num >= 150000
        else "pg_is_wal_replay_paused()"
    )
    return f"""
SELECT r.pid                                                         AS receiver_pid,
       r.status                                                      AS receiver_status,
       r.sender_host, r.sender_port, r.slot_name,
       extract(epoch FROM clock_timestamp() - r.last_msg_receipt_time)::float8 AS last_message_age_s,
       {flushed}::text                                               AS receive_lsn,
       pg_last_wal_replay_lsn()::text                                AS replay_lsn,
       pg_wal_lsn_diff({flushed}, pg_last_wal_replay_lsn())::float8  AS replay_behind_bytes,
       extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8
                                                                     AS last_replayed_xact_age_s,
       {paused}                                                      AS replay_paused
  FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON true
"""


# Recovery conflicts per database (cancelled queries on a standby).
RECOVERY_CONFLICTS = """
SELECT datname, confl_tablespace, confl_lock, confl_snapshot, confl_bufferpin, confl_deadlock
  FROM pg_stat_database_conflicts
 WHERE datname IS NOT NULL
 ORDER BY datname
"""

# On a primary: one row per connected standby (write/flush/replay lag since 10).
STANDBYS = """
SELECT application_name, host(client_addr) AS client_addr, state, sync_state,
       pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::float8   AS send_behind_bytes,
       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_behind_bytes,
       extract(epoch FROM write_lag)::float8  AS write_lag_s,
       extract(epoch FROM flush_lag)::float8  AS flush_lag_s,
       extract(epoch FROM replay_lag)::float8 AS replay_lag_s
  FROM pg_stat_replication
 ORDER BY application_name, client_addr
"""


def slots_query(version_num: int, in_recovery: bool) -> str:
    """Replication slots with the WAL each holds back. wal_status and
    safe_wal_size exist since 13. On a standby the reference point is the
    last replayed LSN (pg_current_wal_lsn() fails during recovery)."""
    current = "pg_last_wal_replay_lsn()" if in_recovery else "pg_current_wal_lsn()"
    wal_status = "wal_status" if version_num >= 130000 else "NULL::text"
    safe_size = "safe_wal_size::float8" if version_num >= 130000 else "NULL::float8"
    return f"""
SELECT slot_name, slot_type, database, active, active_pid,
       pg_wal_lsn_diff({current}, restart_lsn)::float8 AS retained_bytes,
       {wal_status} AS wal_status, {safe_size} AS safe_wal_size_bytes
  FROM pg_replication_slots
 ORDER BY slot_name
"""


# Settings changed from their defaults, and those waiting for a restart.
CHANGED_SETTINGS = """
SELECT name, setting, unit, source, sourcefile, sourceline, pending_restart
  FROM pg_settings
 WHERE source NOT IN ('default', 'override') OR pending_restart
 ORDER BY pending_restart DESC, name
"""
