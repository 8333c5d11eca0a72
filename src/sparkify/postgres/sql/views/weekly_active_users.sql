-- Q4 Weekly active users: distinct logged-in users with any event in each ISO week (UTC);
-- week_start is its Monday. A partial first or last week counts only its own days.
-- Example: SELECT week_start, users FROM weekly_active_users ORDER BY week_start;
CREATE OR REPLACE VIEW public.weekly_active_users AS
SELECT week_start, count(*) AS users
FROM (SELECT date_trunc('week', event_time AT TIME ZONE 'UTC')::date AS week_start, user_id
      FROM public.events
      WHERE user_id IS NOT NULL
      GROUP BY 1, 2) AS active
GROUP BY week_start;
COMMENT ON VIEW public.weekly_active_users IS
    'Q4: distinct logged-in users with any event per ISO week (UTC), by its Monday.';
