-- Q5 Each user's favourite songs: plays per (user, title, artist name); rank 1 = the user's
-- most played, ties by title then artist (byte order, written `USING ~<~` as in
-- user_top_artists). Filter on user_id and rank. The counts come from user_song_plays, kept
-- up by triggers on songplays, whose rank index hands the rows over already in this order.
-- Example: SELECT rank, song, artist, plays FROM user_top_songs WHERE user_id = 49 AND rank <= 5 ORDER BY rank;
CREATE OR REPLACE VIEW public.user_top_songs AS
SELECT user_id,
       row_number() OVER (PARTITION BY user_id
                          ORDER BY plays DESC, song_title USING ~<~,
                                   artist_name USING ~<~)::integer AS rank,
       song_title AS song,
       artist_name AS artist,
       plays::bigint AS plays
FROM public.user_song_plays;
COMMENT ON VIEW public.user_top_songs IS
    'Q5: plays per user and song (title + artist); rank 1 = the user''s most played song.';
