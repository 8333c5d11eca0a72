-- Q7 Conversion events: every time a user's level differs from their previous event's level
-- (events in time order; ties by session and item). 'upgrade' = free -> paid, 'downgrade' =
-- paid -> free. Taken from all events, not only song plays, so a change is seen when it happens.
-- Example: SELECT change, count(DISTINCT user_id) FROM level_changes GROUP BY change;
CREATE OR REPLACE VIEW public.level_changes AS
WITH ordered AS (
    SELECT user_id, event_time, level,
           lag(level) OVER (PARTITION BY user_id
                            ORDER BY event_time, session_id, item_in_session) AS previous_level
    FROM public.events
    WHERE user_id IS NOT NULL
)
SELECT user_id,
       event_time AS changed_at,
       previous_level AS from_level,
       level AS to_level,
       CASE WHEN level = 'paid' THEN 'upgrade' ELSE 'downgrade' END AS change
FROM ordered
WHERE level <> previous_level;
COMMENT ON VIEW public.level_changes IS
    'Q7: each change of a user''s level between consecutive events: upgrade (free->paid) or downgrade.';
