"""The server's databases, for the catalog's database level."""

# Sizes only where the role may look (CONNECT, or pg_read_all_stats): pg_database_size
# refuses the others. Templates are left out: nobody browses template1.
SERVER_DATABASES = """
SELECT d.datname AS name,
       pg_get_userbyid(d.datdba) AS owner,
       d.datconnlimit AS connection_limit,
       d.datallowconn AS allows_connections,
       has_database_privilege(d.oid, 'CONNECT') AS may_connect,
       CASE WHEN has_database_privilege(d.oid, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'member')
            THEN pg_database_size(d.oid) END AS size,
       d.datname = current_database() AS current
FROM pg_database d
WHERE NOT d.datistemplate
ORDER BY d.datname = current_database() DESC, d.datname
"""
