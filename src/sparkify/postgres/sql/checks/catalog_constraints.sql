-- Primary keys, unique and foreign keys of the public tables, from pg_catalog, with their
-- columns in key order (and the referenced table and columns of a foreign key).
SELECT rel.relname::text AS table_name,
       c.conname::text AS constraint_name,
       c.contype::text AS kind,
       ARRAY(SELECT a.attname::text
             FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             ORDER BY k.n) AS columns,
       ref.relname::text AS ref_table,
       ARRAY(SELECT a.attname::text
             FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum
             ORDER BY k.n) AS ref_columns
FROM pg_constraint c
JOIN pg_class rel ON rel.oid = c.conrelid
JOIN pg_namespace ns ON ns.oid = rel.relnamespace
LEFT JOIN pg_class ref ON ref.oid = c.confrelid
WHERE ns.nspname = 'public'
  AND c.contype IN ('p', 'u', 'f')
  AND rel.relname = ANY (%(tables)s)
ORDER BY rel.relname, c.conname;
