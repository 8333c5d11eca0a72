-- Q2 When users are active, by hour of day (UTC): song plays and events (all pages) for every
-- hour 0-23, zero where nothing happened.
-- Example: SELECT hour, plays, events FROM activity_by_hour ORDER BY hour;
CREATE OR REPLACE VIEW public.activity_by_hour AS
WITH plays AS (
    SELECT extract(hour FROM start_time AT TIME ZONE 'UTC')::integer AS hour, count(*) AS n
    FROM public.songplays GROUP BY 1
), events AS (
    SELECT extract(hour FROM event_time AT TIME ZONE 'UTC')::integer AS hour, count(*) AS n
    FROM public.events GROUP BY 1
)
SELECT h.hour, coalesce(p.n, 0) AS plays, coalesce(e.n, 0) AS events
FROM generate_series(0, 23) AS h(hour)
LEFT JOIN plays p USING (hour)
LEFT JOIN events e USING (hour);
COMMENT ON VIEW public.activity_by_hour IS
    'Q2: song plays and events per hour of day (UTC), all 24 hours.';
