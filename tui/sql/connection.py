"""What bastion asks a PostgreSQL server right after connecting."""

# pg_monitor and pg_read_all_stats exist since PostgreSQL 10, so this runs
# unchanged on every supported version (12-17).
SERVER_PROBE = """
SELECT current_setting('server_version')              AS version,
       current_setting('server_version_num')::int      AS version_num,
       current_user                                    AS current_user,
       current_database()                              AS database,
       pg_backend_pid()                                AS backend_pid,
       coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false)
                                                       AS is_superuser,
       pg_has_role(current_user, 'pg_monitor', 'MEMBER')
         OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER')
                                                       AS can_monitor,
       pg_is_in_recovery()                             AS in_recovery,
       current_setting('default_transaction_read_only') = 'on'
                                                       AS read_only,
       inet_server_port()                              AS server_port,
       current_setting('statement_timeout')            AS statement_timeout,
       current_setting('search_path')                  AS search_path
"""

# The TLS protocol and cipher of this very session (`bastion profiles test`).
TLS_OF_THIS_SESSION = "SELECT version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
