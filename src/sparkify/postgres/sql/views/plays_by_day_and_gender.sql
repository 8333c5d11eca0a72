-- Q3 Trend by gender: song plays per UTC day and the player's gender (from users; NULL when
-- the source did not give one).
-- Example: SELECT day, gender, plays FROM plays_by_day_and_gender ORDER BY day, gender;
CREATE OR REPLACE VIEW public.plays_by_day_and_gender AS
SELECT (p.start_time AT TIME ZONE 'UTC')::date AS day, u.gender, count(*) AS plays
FROM public.songplays p
JOIN public.users u USING (user_id)
GROUP BY 1, 2;
COMMENT ON VIEW public.plays_by_day_and_gender IS
    'Q3: song plays per UTC day and gender of the player.';
