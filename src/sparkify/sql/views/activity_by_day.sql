-- Q2 Activity per calendar day (UTC), from the first to the last day with any event: song
-- plays, events and distinct logged-in users; days in between with nothing show zeros.
-- Example: SELECT day, plays, events, users FROM activity_by_day ORDER BY day;
CREATE OR REPLACE VIEW public.activity_by_day AS
WITH events AS (
    SELECT (event_time AT TIME ZONE 'UTC')::date AS day, count(*) AS n,
           count(DISTINCT user_id) AS users
    FROM public.events GROUP BY 1
), plays AS (
    SELECT (start_time AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM public.songplays GROUP BY 1
), span AS (
    SELECT min(day) AS first_day, max(day) AS last_day
    FROM (SELECT day FROM events UNION ALL SELECT day FROM plays) d
)
SELECT d::date AS day, coalesce(p.n, 0) AS plays, coalesce(e.n, 0) AS events,
       coalesce(e.users, 0) AS users
FROM span, generate_series(span.first_day, span.last_day, interval '1 day') AS d
LEFT JOIN plays p ON p.day = d::date
LEFT JOIN events e ON e.day = d::date;
COMMENT ON VIEW public.activity_by_day IS
    'Q2: song plays, events and distinct logged-in users per UTC day, gaps filled with zeros.';
