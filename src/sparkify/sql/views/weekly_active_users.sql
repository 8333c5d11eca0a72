-- Q4 Weekly active users: distinct logged-in users with any event in each ISO week (UTC);
-- week_start is its Monday. A partial first or last week counts only its own days.
-- Example: SELECT week_start, users FROM weekly_active_users ORDER BY week_start;
CREATE OR REPLACE VIEW public.weekly_active_users AS
SELECT date_trunc('week', event_time AT TIME ZONE 'UTC')::date AS week_start,
       count(DISTINCT user_id) AS users
FROM public.events
WHERE user_id IS NOT NULL
GROUP BY 1;
COMMENT ON VIEW public.weekly_active_users IS
    'Q4: distinct logged-in users with any event per ISO week (UTC), by its Monday.';
