-- Q5 Each user's favourite artists: plays per (user, artist name); rank 1 = the user's most
-- played, ties by name (byte order). Filter on user_id and rank.
-- Byte order is written `USING ~<~` (the text_pattern_ops order: the same order as
-- COLLATE "C"): the sort then keys on the column itself instead of carrying a collated copy
-- of every name through the sort and the window, which is most of what ranking costs here.
-- Example: SELECT rank, artist, plays FROM user_top_artists WHERE user_id = 49 AND rank <= 5 ORDER BY rank;
CREATE OR REPLACE VIEW public.user_top_artists AS
SELECT user_id,
       row_number() OVER (PARTITION BY user_id
                          ORDER BY count(*) DESC, artist_name USING ~<~)::integer AS rank,
       artist_name AS artist,
       count(*) AS plays
FROM public.songplays
GROUP BY user_id, artist_name;
COMMENT ON VIEW public.user_top_artists IS
    'Q5: plays per user and artist; rank 1 = the user''s most played artist.';
