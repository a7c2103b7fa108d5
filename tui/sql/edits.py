"""Catalog queries for editing in Browse: may this relation and its columns be written?

The server decides: privileges from has_*_privilege, updatability from
pg_relation_is_updatable and pg_column_is_updatable, read-only from the session's own
settings. Every query takes the relation's oid (found by tui.sql.browse.RELATION).
"""

# The relation, the session and the role: one round trip before the first edit.
# `events` is the server's own answer to "can this relation take UPDATE (4),
# INSERT (8), DELETE (16)": auto-updatable views, INSTEAD rules and INSTEAD OF
# triggers included.
EDIT_RELATION = """
SELECT c.relkind::text AS relkind,
       pg_is_in_recovery() AS in_recovery,
       current_setting('default_transaction_read_only') = 'on' AS default_read_only,
       has_table_privilege(c.oid, 'UPDATE') AS can_update,
       has_table_privilege(c.oid, 'INSERT') AS can_insert,
       has_table_privilege(c.oid, 'DELETE') AS can_delete,
       pg_relation_is_updatable(c.oid, true) AS events
FROM pg_class c
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
       has_column_privilege(a.attrelid, a.attnum, 'INSERT') AS can_insert,
       -- A view's column computed by an expression cannot be written (the server's
       -- answer is only meaningful when the view takes both UPDATE and DELETE).
       (pg_relation_is_updatable(a.attrelid, true) & 20) <> 20
         OR pg_column_is_updatable(a.attrelid, a.attnum, true) AS column_updatable
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
