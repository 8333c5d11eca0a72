-- Q6 Users by state: users per principal state of their latest location, with the song plays
-- those users made. state NULL: no location.
-- Example: SELECT state, users, plays FROM users_by_state ORDER BY users DESC, state;
CREATE OR REPLACE VIEW public.users_by_state AS
SELECT public.location_state(sparkify.repaired(u.location)) AS state,  -- as people read it
       count(*) AS users,
       coalesce(sum(p.plays), 0)::bigint AS plays
FROM public.users u
LEFT JOIN (SELECT user_id, count(*) AS plays FROM public.songplays GROUP BY user_id) p
    USING (user_id)
GROUP BY 1;
COMMENT ON VIEW public.users_by_state IS
    'Q6: users per principal state of their latest location, and their song plays.';
