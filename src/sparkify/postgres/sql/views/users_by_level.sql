-- Q6 Users by level: users counted at the level of their latest event; plays counted at the
-- level the user had when playing (so a user who upgraded adds plays to both rows).
-- Example: SELECT level, users, plays FROM users_by_level ORDER BY level;
CREATE OR REPLACE VIEW public.users_by_level AS
WITH user_counts AS (
    SELECT level, count(*) AS users FROM public.users GROUP BY level
), play_counts AS (
    SELECT level, count(*) AS plays FROM public.songplays GROUP BY level
)
SELECT level, coalesce(u.users, 0) AS users, coalesce(p.plays, 0) AS plays
FROM user_counts u
FULL JOIN play_counts p USING (level);
COMMENT ON VIEW public.users_by_level IS
    'Q6: users per level at their latest event; plays per level at play time.';
