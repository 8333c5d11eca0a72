-- Q4 Daily active users: distinct logged-in users with any event on each UTC day (days without
-- any are absent). Counted per (day, user) first: cheaper than count(DISTINCT), which sorts.
-- Example: SELECT day, users FROM daily_active_users ORDER BY day;
CREATE OR REPLACE VIEW public.daily_active_users AS
SELECT day, count(*) AS users
FROM (SELECT (event_time AT TIME ZONE 'UTC')::date AS day, user_id
      FROM public.events
      WHERE user_id IS NOT NULL
      GROUP BY 1, 2) AS active
GROUP BY day;
COMMENT ON VIEW public.daily_active_users IS
    'Q4: distinct logged-in users with any event per UTC day.';
