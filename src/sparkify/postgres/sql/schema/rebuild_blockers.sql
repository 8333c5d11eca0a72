-- What would stop the role in use from dropping and recreating the warehouse inside this
-- database, one row per obstacle: checked before anything is dropped. %(schemas)s are the
-- project's schemas, %(tables)s its tables (tables.py); objects that do not exist yet are fine.
SELECT 'database ' || current_database() AS object, 'CREATE' AS needs
WHERE NOT has_database_privilege(current_database(), 'CREATE')
UNION ALL
SELECT 'schema public', 'CREATE'
WHERE NOT has_schema_privilege('public', 'CREATE')
UNION ALL
SELECT 'schema ' || n.nspname, 'ownership (it belongs to ' || pg_get_userbyid(n.nspowner) || ')'
FROM pg_namespace n
WHERE n.nspname = ANY (%(schemas)s::text[]) AND NOT pg_has_role(n.nspowner, 'MEMBER')
UNION ALL
SELECT 'table ' || t.name, 'ownership (it belongs to ' || pg_get_userbyid(c.relowner) || ')'
FROM unnest(%(tables)s::text[]) AS t (name)
JOIN pg_class c ON c.oid = to_regclass(t.name)
WHERE NOT pg_has_role(c.relowner, 'MEMBER');
