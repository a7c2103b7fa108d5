"""Catalog queries for the sidebar: one query per tree level, never one per object."""

# Hidden unless the user asks for system schemas.
SYSTEM_SCHEMA_FILTER = """
  AND (%(show_system)s OR (n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp\\_%%'))
"""

SCHEMAS = """
SELECT n.nspname AS name,
       count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition)
         AS relations
FROM pg_namespace n
LEFT JOIN pg_class c ON c.relnamespace = n.oid
WHERE true
""" + SYSTEM_SCHEMA_FILTER + """
GROUP BY n.nspname
ORDER BY n.nspname = 'public' DESC, n.nspname
"""

# Tables whose size cannot be measured without waiting: pg_total_relation_size
# takes an ACCESS SHARE lock on the table, its indexes and its TOAST table, which
# queues behind an ACCESS EXCLUSIVE lock held *or waiting* (pg_locks lists both).
_LOCKED = """
WITH locked AS (
  SELECT coalesce(i.indrelid, t.oid, l.relation) AS oid
  FROM pg_locks l
  LEFT JOIN pg_index i ON i.indexrelid = l.relation
  LEFT JOIN pg_class t ON t.reltoastrelid = l.relation
  WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock'
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
)
"""

# Relations, sequences and routines of one schema in one round trip. Partitions
# are listed under their parent (PARTITIONS_OF), not beside it. Sizes come from
# pg_total_relation_size for tables only: it is a stat() per file, cheap enough
# per schema but not for views. For a locked table, or all of them when
# %(exact_sizes)s is false (a lock was taken meanwhile: the query gave up), the
# size is estimated from pg_class.relpages (as of the last VACUUM/ANALYZE) of
# the table, its indexes and TOAST, with no lock at all.
_RELATION_COLUMNS = """
SELECT c.relname AS name, c.relkind::text AS kind,
       CASE WHEN c.relkind IN ('r', 'm', 'f') THEN c.reltuples::bigint END AS estimate,
       CASE WHEN c.relkind NOT IN ('r', 'm') THEN NULL
            WHEN m.exact THEN pg_total_relation_size(c.oid)
            ELSE nullif(c.relpages::bigint
                        + coalesce((SELECT t.relpages FROM pg_class t WHERE t.oid = c.reltoastrelid), 0)
                        + coalesce((SELECT sum(ic.relpages) FROM pg_index i
                                    JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid = c.oid), 0),
                        0) * current_setting('block_size')::bigint
       END AS size,
       c.relkind IN ('r', 'm') AND NOT m.exact AS size_estimated,
       c.relkind = 'p' AS has_children
"""

# Whether a table's size may be measured (see _LOCKED).
_MEASURABLE = """
CROSS JOIN LATERAL (SELECT %(exact_sizes)s AND c.oid NOT IN (SELECT oid FROM locked) AS exact) m
"""

RELATIONS_IN_SCHEMA = _LOCKED + _RELATION_COLUMNS + """
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
""" + _MEASURABLE + """
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND NOT c.relispartition
UNION ALL
SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',
       CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, NULL, NULL, false, false
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.prokind IN ('f', 'p')
ORDER BY 1
"""

PARTITIONS_OF = _LOCKED + _RELATION_COLUMNS + """
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class parent ON parent.oid = i.inhparent
JOIN pg_namespace pn ON pn.oid = parent.relnamespace
""" + _MEASURABLE + """
WHERE pn.nspname = %(schema)s AND parent.relname = %(name)s
ORDER BY c.relname
"""

# Type-to-filter: every schema at once, one query, capped so a loose pattern
# on 10,000 tables stays fast to draw.
SEARCH_RELATIONS = """
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
       CASE WHEN c.relkind IN ('r', 'm', 'f') THEN c.reltuples::bigint END AS estimate,
       NULL::bigint AS size, c.relkind = 'p' AS has_children
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND c.relname ILIKE %(pattern)s
""" + SYSTEM_SCHEMA_FILTER + """
ORDER BY position(lower(%(needle)s) IN lower(c.relname)), length(c.relname), n.nspname, c.relname
LIMIT %(limit)s
"""

SQLITE_OBJECTS = """
SELECT name, type AS kind, tbl_name FROM sqlite_master
WHERE type IN ('table', 'view', 'index', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'view' THEN 1 WHEN 'index' THEN 2 ELSE 3 END, name
"""
