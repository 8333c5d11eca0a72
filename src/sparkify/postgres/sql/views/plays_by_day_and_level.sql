-- Q3 Trend by level: song plays per UTC day and the level (free/paid) the user had when playing,
-- not the level they have now.
-- Example: SELECT day, level, plays FROM plays_by_day_and_level ORDER BY day, level;
CREATE OR REPLACE VIEW public.plays_by_day_and_level AS
SELECT (start_time AT TIME ZONE 'UTC')::date AS day, level, count(*) AS plays
FROM public.songplays
GROUP BY 1, 2;
COMMENT ON VIEW public.plays_by_day_and_level IS
    'Q3: song plays per UTC day and level at play time.';
