-- Each user as people read them: `users` with first name, last name and location repaired
-- (sparkify.names); `users` itself keeps them as the events gave them.
-- Example: SELECT * FROM user_profiles WHERE user_id = 49;
CREATE OR REPLACE VIEW public.user_profiles AS
SELECT u.user_id,
       coalesce(nf.repaired, u.first_name) AS first_name,
       coalesce(nl.repaired, u.last_name) AS last_name,
       u.gender, u.level,
       coalesce(nc.repaired, u.location) AS location,
       u.last_seen_at
FROM public.users u
LEFT JOIN sparkify.names nf ON nf.verbatim = u.first_name
LEFT JOIN sparkify.names nl ON nl.verbatim = u.last_name
LEFT JOIN sparkify.names nc ON nc.verbatim = u.location;
COMMENT ON VIEW public.user_profiles IS
    'Each user (latest event) with first name, last name and location repaired.';
