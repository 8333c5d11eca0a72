-- Q2 When users are active, by hour of day (UTC): song plays (NextSong events) and events
-- (all pages) for every hour 0-23, zero where nothing happened. One pass over events.
-- Example: SELECT hour, plays, events FROM activity_by_hour ORDER BY hour;
CREATE OR REPLACE VIEW public.activity_by_hour AS
WITH counts AS (
    SELECT {{time_part(hour, event_time AT TIME ZONE 'UTC')}}::integer AS hour,
           count(*) FILTER (WHERE {{is_play(page)}}) AS plays,
           count(*) AS events
    FROM public.events
    GROUP BY 1
)
SELECT h.hour, coalesce(c.plays, 0) AS plays, coalesce(c.events, 0) AS events
FROM generate_series(0, 23) AS h(hour)
LEFT JOIN counts c USING (hour);
COMMENT ON VIEW public.activity_by_hour IS
    'Q2: song plays and events per hour of day (UTC), all 24 hours.';
