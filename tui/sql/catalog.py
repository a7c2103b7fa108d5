"""Catalog queries for the sidebar: one query per tree level, never one per object."""

SCHEMAS = """
SELECT n.nspname AS name,
       count(c.oid) FILTER (WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')) AS relations
FROM pg_namespace n
LEFT JOIN pg_class c ON c.relnamespace = n.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
GROUP BY n.nspname
ORDER BY n.nspname = 'public' DESC, n.nspname
"""

# Partitions are listed under their parent, not beside it.
RELATIONS_IN_SCHEMA = """
SELECT c.relname AS name, c.relkind AS kind, c.reltuples::bigint AS estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND NOT c.relispartition
ORDER BY c.relname
"""

SQLITE_RELATIONS = """
SELECT name, type AS kind FROM sqlite_master
WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY name
"""
