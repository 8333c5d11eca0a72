-- Q2 Activity per calendar day (UTC), from the first to the last day with any event: song
-- plays (NextSong events), events and distinct logged-in users; days in between with nothing
-- show zeros. Counted per (day, user) first: cheaper than count(DISTINCT), which sorts.
-- Example: SELECT day, plays, events, users FROM activity_by_day ORDER BY day;
CREATE OR REPLACE VIEW public.activity_by_day AS
WITH per_user AS (
    SELECT (event_time AT TIME ZONE 'UTC')::date AS day, user_id,
           count(*) FILTER (WHERE {{is_play(page)}}) AS plays,
           count(*) AS events
    FROM public.events
    GROUP BY 1, 2
), counts AS (
    SELECT day, sum(plays)::bigint AS plays, sum(events)::bigint AS events,
           count(user_id) AS users          -- the logged-out group (NULL) is not a user
    FROM per_user
    GROUP BY day
), span AS (
    SELECT min(day) AS first_day, max(day) AS last_day FROM counts
)
SELECT d::date AS day, coalesce(c.plays, 0) AS plays, coalesce(c.events, 0) AS events,
       coalesce(c.users, 0) AS users
FROM span, generate_series(span.first_day, span.last_day, interval '1 day') AS d
LEFT JOIN counts c ON c.day = d::date;
COMMENT ON VIEW public.activity_by_day IS
    'Q2: song plays, events and distinct logged-in users per UTC day, gaps filled with zeros.';
