-- Q5 Each user's favourite artists: plays per (user, artist name, repaired: sparkify.names);
-- rank 1 = the user's most played, ties by name (byte order). Filter on user_id and rank.
-- Byte order is written `USING ~<~` (the text_pattern_ops order: the same order as
-- COLLATE "C"): the sort then keys on the column itself instead of carrying a collated copy
-- of every name through the sort and the window, which is most of what ranking costs here.
-- Plays are counted per name as received first (in index order), then per repaired name.
-- Example: SELECT rank, artist, plays FROM user_top_artists WHERE user_id = 49 AND rank <= 5 ORDER BY rank;
CREATE OR REPLACE VIEW public.user_top_artists AS
WITH per_name AS (
    SELECT user_id, artist_name, count(*) AS plays
    FROM public.songplays
    GROUP BY user_id, artist_name
), per_artist AS (
    SELECT p.user_id, coalesce(n.repaired, p.artist_name) AS artist, sum(p.plays)::bigint AS plays
    FROM per_name p
    LEFT JOIN sparkify.names n ON n.verbatim = p.artist_name
    GROUP BY 1, 2
)
SELECT user_id,
       row_number() OVER (PARTITION BY user_id
                          ORDER BY plays DESC, artist USING ~<~)::integer AS rank,
       artist,
       plays
FROM per_artist;
COMMENT ON VIEW public.user_top_artists IS
    'Q5: plays per user and artist (repaired name); rank 1 = the user''s most played artist.';
