-- Q4 Plays per user: song plays and distinct songs (title + artist) of every user who played
-- at least one song. Counted per (user, song) first, which the songplays_user_song_idx index
-- delivers in order, so no sort is needed.
-- Example: SELECT user_id, plays FROM plays_per_user ORDER BY plays DESC LIMIT 10;
CREATE OR REPLACE VIEW public.plays_per_user AS
WITH per_song AS (
    SELECT user_id, count(*) AS plays
    FROM public.songplays
    GROUP BY user_id, song_title, artist_name
)
SELECT user_id, sum(plays)::bigint AS plays, count(*) AS songs
FROM per_song
GROUP BY user_id;
COMMENT ON VIEW public.plays_per_user IS
    'Q4: song plays and distinct songs per user.';
