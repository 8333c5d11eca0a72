-- Whether user_song_plays' triggers were left paused (not ENABLE ALWAYS) by a bulk load that
-- did not finish: the next load then counts the table afresh.
SELECT EXISTS (SELECT 1 FROM pg_trigger
               WHERE tgrelid = 'public.songplays'::regclass
                 AND tgname LIKE 'songplays_count_%' AND tgenabled <> 'A');
