-- Indexes the analytics views and recommendations need (timed by bench/bench_views.py):
-- - each user's plays by artist and song: user_top_artists / user_top_songs group them in
--   index order and rank within each user with a small incremental sort; report --user and
--   the recommendations read one user's songs from it;
-- - who played a given song (co-listening neighbours);
-- - each user's events by session: user_sessions groups them in index order (no hash table
--   to spill), level_changes sorts only within each user, and one user's sessions are found
--   without a scan.
-- earlier versions of this file made these two; their successors below cover them
DROP INDEX IF EXISTS public.songplays_user_song_idx;
DROP INDEX IF EXISTS public.events_user_time_idx;
CREATE INDEX IF NOT EXISTS songplays_user_artist_song_idx
    ON public.songplays (user_id, artist_name, song_title);
CREATE INDEX IF NOT EXISTS songplays_song_user_idx
    ON public.songplays (song_title, artist_name, user_id);
CREATE INDEX IF NOT EXISTS events_user_session_idx
    ON public.events (user_id, session_id, event_time, item_in_session) INCLUDE (level, page);
