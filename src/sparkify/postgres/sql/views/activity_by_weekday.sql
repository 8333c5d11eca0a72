-- Q2 When users are active, by weekday (UTC, ISO: 1 = Monday ... 7 = Sunday): song plays
-- (NextSong events) and events for all seven days, zero where nothing happened.
-- Example: SELECT weekday_name, plays, events FROM activity_by_weekday ORDER BY weekday;
CREATE OR REPLACE VIEW public.activity_by_weekday AS
WITH counts AS (
    SELECT {{time_part(weekday, event_time AT TIME ZONE 'UTC')}}::integer AS weekday,
           count(*) FILTER (WHERE {{is_play(page)}}) AS plays,
           count(*) AS events
    FROM public.events
    GROUP BY 1
)
SELECT d.weekday,
       (ARRAY['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])[d.weekday] AS weekday_name,
       coalesce(c.plays, 0) AS plays,
       coalesce(c.events, 0) AS events
FROM generate_series(1, 7) AS d(weekday)
LEFT JOIN counts c USING (weekday);
COMMENT ON VIEW public.activity_by_weekday IS
    'Q2: song plays and events per ISO weekday (UTC, 1 = Monday), all seven days.';
