"""What the dump and import jobs ask PostgreSQL."""

from __future__ import annotations

# Tables whose data pg_dump writes (one "dumping contents of table" line each), for
# a progress total; `schemas` / `tables` (NULL: all) narrow it as -n / -t do.
DUMPED_TABLES = """
SELECT count(*) AS tables
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
  AND (%(tables)s::text[] IS NULL OR c.relname = ANY(%(tables)s::text[])
       OR n.nspname || '.' || c.relname = ANY(%(tables)s::text[]))
"""

# A table's columns in order, with whether it takes a value on insert; no rows for a
# table (or schema) that does not exist: to_regclass is NULL where ::regclass raises.
TABLE_COLUMNS = """
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null, a.atthasdef AS has_default
FROM pg_attribute a
WHERE a.attrelid = to_regclass(quote_ident(%(schema)s) || '.' || quote_ident(%(name)s))
  AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum
"""
