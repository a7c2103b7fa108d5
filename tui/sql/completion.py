"""What the editor's completion offers from the catalog: one query per kind."""

# Visible to the user's search_path or not, every non-system schema's objects.
TABLES = """
SELECT n.nspname AS schema, c.relname AS name
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2
LIMIT 20000
"""

COLUMNS = """
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY 1, 2, a.attnum
LIMIT 200000
"""

FUNCTIONS = """
SELECT DISTINCT p.proname AS name
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT IN ('information_schema') AND p.proname NOT LIKE '\\_%'
ORDER BY 1
LIMIT 20000
"""

SCHEMAS = """
SELECT nspname AS name FROM pg_namespace
WHERE nspname NOT IN ('information_schema') AND nspname NOT LIKE 'pg\\_%'
ORDER BY 1
"""

SQLITE_COLUMNS = "SELECT name FROM pragma_table_info(?)"
SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
