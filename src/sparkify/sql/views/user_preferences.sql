-- Q5 Each user's taste in one row: plays, most played artist and song (ties as
-- in user_top_artists / user_top_songs). Only users with plays.
-- Example: SELECT * FROM user_preferences ORDER BY plays DESC LIMIT 10;
CREATE OR REPLACE VIEW public.user_preferences AS
SELECT p.user_id, p.plays,
       a.artist AS top_artist, a.plays AS top_artist_plays,
       s.song AS top_song, s.artist AS top_song_artist, s.plays AS top_song_plays
FROM public.plays_per_user p
JOIN public.user_top_artists a ON a.user_id = p.user_id AND a.rank = 1
JOIN public.user_top_songs s ON s.user_id = p.user_id AND s.rank = 1;
COMMENT ON VIEW public.user_preferences IS
    'Q5: per user: plays, most played artist and most played song.';
