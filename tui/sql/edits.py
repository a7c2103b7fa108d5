"""Catalog queries for editing in Browse: may this relation and its columns be written?

The server decides: privileges from has_*_privilege, updatability from
information_schema.views and pg_rewrite, read-only from the session's own
settings. Every query takes the relation's oid (found by tui.sql.browse.RELATION).
"""

# The relation, the session and the role: one round trip before the first edit.
EDIT_RELATION = """
SELECT c.relkind::text AS relkind,
       pg_is_in_recovery() AS in_recovery,
       current_setting('default_transaction_read_only') = 'on' AS default_read_only,
       has_table_privilege(c.oid, 'UPDATE') AS can_update,
       has_table_privilege(c.oid, 'INSERT') AS can_insert,
       has_table_privilege(c.oid, 'DELETE') AS can_delete,
       v.is_updatable = 'YES' AS view_updatable,
       v.is_insertable_into = 'YES' AS view_insertable,
       EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid AND r.is_instead
                 AND r.ev_type IN ('2', '3', '4')) AS instead_rules,
       EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                 AND t.tgtype & 64 <> 0) AS instead_triggers
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN information_schema.views v ON v.table_schema = n.nspname AND v.table_name = c.relname
WHERE c.oid = %(oid)s
"""

# Each column: the type to cast typed text to (without its modifier, so that a
# too-long varchar fails on assignment instead of being cut by the cast), an
# enum's labels, and what the role may do with it.
EDIT_COLUMNS = """
SELECT a.attname AS name,
       format_type(a.atttypid, NULL) AS cast_type,
       CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                                            WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END AS labels,
       has_column_privilege(a.attrelid, a.attnum, 'UPDATE') AS can_update,
       has_column_privilege(a.attrelid, a.attnum, 'INSERT') AS can_insert
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
