-- Users listed in users_to_refresh take their attributes from their latest event left in
-- `events` (ties: the later path, then line, as on insert), or go when none is left. The list
-- comes from forget_files.sql (users whose events a reloaded file took away) and from
-- count_duplicates.sql (users named by a replay that was not loaded).
CREATE TEMP TABLE IF NOT EXISTS users_to_refresh (user_id integer) ON COMMIT DROP;

WITH candidates AS (  -- their events left, with the rule's roles: ts, path, line
    SELECT e.user_id, e.first_name, e.last_name, e.gender, e.level, e.location, e.event_time,
           e.event_time AS ts, m.path, e.source_line AS line
    FROM public.events e
    JOIN sparkify.manifest m ON m.file_id = e.source_file_id
    WHERE e.user_id IN (SELECT user_id FROM users_to_refresh)
)
INSERT INTO public.users AS u (user_id, first_name, last_name, gender, level, location, last_seen_at)
SELECT user_id, first_name, last_name, gender, level, location, event_time
FROM {{latest(users, candidates)}} AS latest
ON CONFLICT (user_id) DO UPDATE SET
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    location = excluded.location,
    last_seen_at = excluded.last_seen_at;

DELETE FROM public.users u
WHERE u.user_id IN (SELECT user_id FROM users_to_refresh)
  AND NOT EXISTS (SELECT 1 FROM public.events e WHERE e.user_id = u.user_id);
