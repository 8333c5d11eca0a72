-- Q1 Most popular artists: plays per artist name as the event gave it (catalog-independent),
-- the name repaired (sparkify.names): spellings of one name count together.
-- rank: 1 = most played, ties by name (byte order). (Listeners per song: popular_songs.)
-- Example: SELECT artist, plays FROM popular_artists WHERE rank <= 10 ORDER BY rank;
CREATE OR REPLACE VIEW public.popular_artists AS
WITH per_name AS (
    SELECT artist_name, count(*) AS plays FROM public.songplays GROUP BY artist_name
), per_artist AS (
    SELECT coalesce(n.repaired, p.artist_name) AS artist, sum(p.plays)::bigint AS plays
    FROM per_name p
    LEFT JOIN sparkify.names n ON n.verbatim = p.artist_name
    GROUP BY 1
)
SELECT row_number() OVER (ORDER BY plays DESC, artist COLLATE "C")::integer AS rank,
       artist,
       plays
FROM per_artist;
COMMENT ON VIEW public.popular_artists IS
    'Q1: plays per artist name (repaired); rank 1 = most played.';
