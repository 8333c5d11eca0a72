-- Q6 Users by gender (as last given), with their song plays. gender NULL: not given.
-- Example: SELECT gender, users, plays FROM users_by_gender ORDER BY gender;
CREATE OR REPLACE VIEW public.users_by_gender AS
SELECT u.gender, count(*) AS users, coalesce(sum(p.plays), 0)::bigint AS plays
FROM public.users u
LEFT JOIN (SELECT user_id, count(*) AS plays FROM public.songplays GROUP BY user_id) p
    USING (user_id)
GROUP BY u.gender;
COMMENT ON VIEW public.users_by_gender IS
    'Q6: users per gender (latest event) and the song plays they made.';
