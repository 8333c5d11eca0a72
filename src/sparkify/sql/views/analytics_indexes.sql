-- Indexes the analytics views and recommendations need (timed by bench/bench_views.py):
-- one user's plays (user_top_*, report --user, recommendations) and who played a given song
-- (co-listening neighbours); each user's events in time order (level_changes' window needs
-- no sort, and one user's sessions are found without a scan).
CREATE INDEX IF NOT EXISTS songplays_user_song_idx
    ON public.songplays (user_id, song_title, artist_name);
CREATE INDEX IF NOT EXISTS songplays_song_user_idx
    ON public.songplays (song_title, artist_name, user_id);
CREATE INDEX IF NOT EXISTS events_user_time_idx
    ON public.events (user_id, event_time, session_id, item_in_session) INCLUDE (level);
