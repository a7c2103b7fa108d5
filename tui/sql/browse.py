"""Catalog queries for the Browse tab: the relation, its paging key, structure, stats.

Every query takes the relation's oid (found once by RELATION) so names are
never spliced into SQL; the data queries themselves are composed with
psycopg.sql in tui.services.browse.keyset.
"""

RELATION = """
SELECT c.oid, c.relkind::text AS relkind, c.reltuples::bigint AS estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relname = %(name)s
"""

COLUMNS = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       t.typcategory AS category, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS "default", col_description(a.attrelid, a.attnum) AS comment,
       a.attidentity AS identity, a.attgenerated AS generated
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

# The paging key: the primary key, else the narrowest unique index on NOT NULL
# plain columns (no expressions, no predicate).
PAGING_KEY = """
SELECT array_agg(a.attname ORDER BY k.ord) AS columns
FROM pg_index i
CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %(oid)s AND i.indisunique AND i.indisvalid
  AND i.indpred IS NULL AND i.indexprs IS NULL
GROUP BY i.indexrelid, i.indisprimary
HAVING bool_and(a.attnotnull)
ORDER BY i.indisprimary DESC, count(*), i.indexrelid
LIMIT 1
"""

# A view's one base relation, from its _RETURN rule's dependencies (a view over
# two relations may repeat a row, so it gets no key), and the columns it reads.
VIEW_BASE = """
WITH reads AS (
  SELECT d.refobjid AS oid, c.relkind, d.refobjsubid AS attnum
  FROM pg_rewrite r
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                  AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
  JOIN pg_class c ON c.oid = d.refobjid AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  WHERE r.ev_class = %(oid)s AND r.rulename = '_RETURN'
)
SELECT s.oid, ARRAY(SELECT a.attname::text FROM reads x
                    JOIN pg_attribute a ON a.attrelid = x.oid AND a.attnum = x.attnum) AS reads
FROM (SELECT DISTINCT oid, relkind FROM reads) s
WHERE s.relkind IN ('r', 'p') AND (SELECT count(DISTINCT oid) FROM reads) = 1
"""

# The value at a fraction of the key order, from the planner's histogram: a
# jump to 75% costs one index probe instead of an OFFSET over 75% of the rows.
HISTOGRAM_BOUNDS = """
SELECT histogram_bounds::text AS bounds
FROM pg_stats s
JOIN pg_class c ON c.relname = s.tablename
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname
WHERE c.oid = %(oid)s AND s.attname = %(column)s
ORDER BY s.inherited DESC
LIMIT 1
"""

INDEXES = """
SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition,
       pg_relation_size(i.indexrelid) AS size, i.indisunique AS is_unique,
       i.indisprimary AS is_primary, s.idx_scan AS scans
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
WHERE i.indrelid = %(oid)s
ORDER BY i.indisprimary DESC, ic.relname
"""

CONSTRAINTS = """
SELECT conname AS name, contype::text AS type, pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE conrelid = %(oid)s AND contype IN ('p', 'u', 'c', 'x')
ORDER BY contype, conname
"""

# Foreign keys from this table (out) and into it (in), with column lists.
FOREIGN_KEYS = """
SELECT co.conname AS name, co.conrelid = %(oid)s AS outgoing,
       sn.nspname AS from_schema, sc.relname AS from_table,
       ARRAY(SELECT a.attname FROM unnest(co.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.n ORDER BY k.o) AS from_columns,
       tn.nspname AS to_schema, tc.relname AS to_table,
       ARRAY(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n ORDER BY k.o) AS to_columns,
       pg_get_constraintdef(co.oid) AS definition
FROM pg_constraint co
JOIN pg_class sc ON sc.oid = co.conrelid JOIN pg_namespace sn ON sn.oid = sc.relnamespace
JOIN pg_class tc ON tc.oid = co.confrelid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
WHERE co.contype = 'f' AND (co.conrelid = %(oid)s OR co.confrelid = %(oid)s)
  AND co.conparentid = 0
ORDER BY outgoing DESC, co.conname
"""

TRIGGERS = """
SELECT tgname AS name, pg_get_triggerdef(oid) AS definition, tgenabled::text AS enabled
FROM pg_trigger
WHERE tgrelid = %(oid)s AND NOT tgisinternal
ORDER BY tgname
"""

TABLE_DDL_FACTS = """
SELECT c.relkind::text AS relkind, c.relpersistence::text AS persistence,
       pg_get_partkeydef(c.oid) AS partition_key,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       (SELECT format('%%I.%%I', pn.nspname, p.relname) FROM pg_inherits i
          JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition) AS partition_of,
       obj_description(c.oid, 'pg_class') AS comment,
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END AS view_definition
FROM pg_class c WHERE c.oid = %(oid)s
"""

STATS = """
SELECT pg_relation_size(c.oid) AS table_size,
       CASE WHEN c.reltoastrelid <> 0 THEN pg_total_relation_size(c.reltoastrelid) END AS toast_size,
       pg_indexes_size(c.oid) AS indexes_size, pg_total_relation_size(c.oid) AS total_size,
       c.reltuples::bigint AS estimate,
       s.n_live_tup AS live_tuples, s.n_dead_tup AS dead_tuples,
       s.last_vacuum::text AS last_vacuum, s.last_autovacuum::text AS last_autovacuum,
       s.last_analyze::text AS last_analyze, s.last_autoanalyze::text AS last_autoanalyze,
       s.seq_scan AS seq_scans, s.idx_scan AS index_scans,
       s.n_tup_ins AS inserted, s.n_tup_upd AS updated, s.n_tup_del AS deleted
FROM pg_class c
LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
WHERE c.oid = %(oid)s
"""

# PostgreSQL does not record when a materialized view was refreshed; the
# closest fact is its last analyze (a REFRESH is usually followed by one).
MATVIEW_FACTS = """
SELECT ispopulated AS populated FROM pg_matviews
WHERE schemaname = %(schema)s AND matviewname = %(name)s
"""
