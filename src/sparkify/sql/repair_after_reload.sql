-- After a changed file was reloaded: users whose events it held take their attributes from
-- their latest remaining event (or go, when none is left); time rows no play uses go.
INSERT INTO public.users AS u (user_id, first_name, last_name, gender, level, location, last_seen_at)
SELECT DISTINCT ON (e.user_id)
       e.user_id, e.first_name, e.last_name, e.gender, e.level, e.location, e.event_time
FROM public.events e
JOIN sparkify.manifest m ON m.file_id = e.source_file_id  -- ties: the later path, as on insert
WHERE e.user_id IN (SELECT user_id FROM forgotten_users)
ORDER BY e.user_id, e.event_time DESC, m.path DESC, e.source_line DESC
ON CONFLICT (user_id) DO UPDATE SET
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    location = excluded.location,
    last_seen_at = excluded.last_seen_at;

DELETE FROM public.users u
WHERE u.user_id IN (SELECT user_id FROM forgotten_users)
  AND NOT EXISTS (SELECT 1 FROM public.events e WHERE e.user_id = u.user_id);

DELETE FROM public.time t
WHERE t.start_time IN (SELECT start_time FROM forgotten_times)
  AND NOT EXISTS (SELECT 1 FROM public.songplays p WHERE p.start_time = t.start_time);
