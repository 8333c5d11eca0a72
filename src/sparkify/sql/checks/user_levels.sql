-- Users whose level is not the level of their latest event by event_time (any of the levels
-- when several events share that latest time), and users with no event at all.
WITH latest AS (
    SELECT DISTINCT ON (user_id) user_id, event_time
    FROM public.events
    WHERE user_id IS NOT NULL
    ORDER BY user_id, event_time DESC
),
latest_levels AS (
    SELECT l.user_id, l.event_time, array_agg(DISTINCT e.level ORDER BY e.level) AS levels
    FROM latest l
    JOIN public.events e ON e.user_id = l.user_id AND e.event_time = l.event_time
    GROUP BY l.user_id, l.event_time
)
SELECT 'users.level' AS subject, count(*) AS total,
       (array_agg(CASE WHEN ll.user_id IS NULL
                       THEN format('user_id %s has no events', u.user_id)
                       ELSE format('user_id %s is %s, latest event (%s UTC) says %s', u.user_id,
                                   u.level, ll.event_time AT TIME ZONE 'UTC',
                                   array_to_string(ll.levels, ' or '))
                  END ORDER BY u.user_id))[1:3] AS examples
FROM public.users u
LEFT JOIN latest_levels ll USING (user_id)
WHERE ll.user_id IS NULL OR u.level IS NULL OR NOT u.level = ANY (ll.levels)
HAVING count(*) > 0;
