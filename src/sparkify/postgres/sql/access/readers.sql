-- Roles given read access (grant_read.sql), other than the one in use: those holding USAGE on
-- the bookkeeping schema. Read before a rebuild drops that schema, to grant them again after.
SELECT r.rolname
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(n.nspacl) AS acl
JOIN pg_roles r ON r.oid = acl.grantee
WHERE n.nspname = 'sparkify' AND acl.privilege_type = 'USAGE' AND r.rolname <> current_user
ORDER BY r.rolname;
