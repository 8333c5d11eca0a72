-- Users whose level is not the level of their latest event by the loader's rule (the later
-- event_time, then the later path, then line: rules.USER_LATEST), and users with no event.
WITH user_events AS (  -- with the rule's roles: ts, path, line
    SELECT e.user_id, e.event_time, e.level, e.event_time AS ts, m.path, e.source_line AS line
    FROM public.events e
    JOIN sparkify.manifest m ON m.file_id = e.source_file_id
    WHERE e.user_id IS NOT NULL
)
SELECT 'users.level' AS subject, count(*) AS total,
       (array_agg(CASE WHEN l.user_id IS NULL
                       THEN format('user_id %s has no events', u.user_id)
                       ELSE format('user_id %s is %s, latest event (%s UTC) says %s', u.user_id,
                                   u.level, l.event_time AT TIME ZONE 'UTC', l.level)
                  END ORDER BY u.user_id))[1:3] AS examples
FROM public.users u
LEFT JOIN {{latest(users, user_events)}} AS l USING (user_id)
WHERE l.user_id IS NULL OR u.level IS DISTINCT FROM l.level
HAVING count(*) > 0;
