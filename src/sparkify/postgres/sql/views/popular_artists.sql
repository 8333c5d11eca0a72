-- Q1 Most popular artists: plays per artist name as the event gave it (catalog-independent).
-- rank: 1 = most played, ties by name (byte order). (Listeners per song: popular_songs.)
-- Example: SELECT artist, plays FROM popular_artists WHERE rank <= 10 ORDER BY rank;
CREATE OR REPLACE VIEW public.popular_artists AS
SELECT row_number() OVER (ORDER BY count(*) DESC, artist_name COLLATE "C")::integer AS rank,
       artist_name AS artist,
       count(*) AS plays
FROM public.songplays
GROUP BY artist_name;
COMMENT ON VIEW public.popular_artists IS
    'Q1: plays per artist name; rank 1 = most played.';
