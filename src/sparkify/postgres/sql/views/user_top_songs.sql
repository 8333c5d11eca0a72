-- Q5 Each user's favourite songs: plays per (user, title, artist name, both repaired:
-- sparkify.names); rank 1 = the user's most played, ties by title then artist (byte order,
-- written `USING ~<~` as in user_top_artists). Filter on user_id and rank. The counts come
-- from user_song_plays (per name as received), kept up by triggers on songplays.
-- Example: SELECT rank, song, artist, plays FROM user_top_songs WHERE user_id = 49 AND rank <= 5 ORDER BY rank;
CREATE OR REPLACE VIEW public.user_top_songs AS
WITH per_song AS (
    SELECT u.user_id, coalesce(nt.repaired, u.song_title) AS song,
           coalesce(na.repaired, u.artist_name) AS artist, sum(u.plays)::bigint AS plays
    FROM public.user_song_plays u
    LEFT JOIN sparkify.names nt ON nt.verbatim = u.song_title
    LEFT JOIN sparkify.names na ON na.verbatim = u.artist_name
    GROUP BY 1, 2, 3
)
SELECT user_id,
       row_number() OVER (PARTITION BY user_id
                          ORDER BY plays DESC, song USING ~<~,
                                   artist USING ~<~)::integer AS rank,
       song,
       artist,
       plays
FROM per_song;
COMMENT ON VIEW public.user_top_songs IS
    'Q5: plays per user and song (title + artist, repaired); rank 1 = the user''s most played song.';
