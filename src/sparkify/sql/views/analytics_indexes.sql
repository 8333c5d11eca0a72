-- Indexes the analytics views and recommendations need (see bench/bench_views.py):
-- one user's plays (user_top_*, report --user, recommendations) and who played a given song
-- (co-listening neighbours).
CREATE INDEX IF NOT EXISTS songplays_user_song_idx
    ON public.songplays (user_id, song_title, artist_name);
CREATE INDEX IF NOT EXISTS songplays_song_user_idx
    ON public.songplays (song_title, artist_name, user_id);
