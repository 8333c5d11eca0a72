-- After a changed file was reloaded (users are refreshed by refresh_users.sql): time rows no
-- play uses any more go.
DELETE FROM public.time t
WHERE t.start_time IN (SELECT start_time FROM forgotten_times)
  AND NOT EXISTS (SELECT 1 FROM public.songplays p WHERE p.start_time = t.start_time);
