-- The columns whose values the warehouse generates (GENERATED ALWAYS AS IDENTITY) in the
-- tables named by %(tables)s (schema-qualified names), to restart after emptying them.
SELECT n.nspname, c.relname, a.attname
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attrelid = ANY (%(tables)s::regclass[]) AND a.attidentity <> '' AND NOT a.attisdropped
ORDER BY 1, 2, 3
