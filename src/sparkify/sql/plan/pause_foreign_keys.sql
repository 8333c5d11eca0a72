-- Note the foreign keys of the tables named in %(tables)s (tables.FOREIGN_KEYS) before a bulk
-- load drops them; a key noted already (a load cut short) is not there to note again.
INSERT INTO sparkify.paused_constraints (table_schema, table_name, constraint_name, definition)
SELECT n.nspname, cl.relname, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
JOIN pg_class cl ON cl.oid = c.conrelid
JOIN pg_namespace n ON n.oid = cl.relnamespace
WHERE c.contype = 'f' AND n.nspname = 'public' AND cl.relname = ANY (%(tables)s::text[])
ON CONFLICT DO NOTHING
RETURNING table_schema, table_name, constraint_name;
