-- Q1 Most popular songs: plays per song as the event named it (title + artist name), so the
-- answer does not depend on the song catalog (which matches few plays). listeners = distinct
-- users. rank: 1 = most played; ties broken by title, then artist (byte order), so it is stable.
-- Example: SELECT song, artist, plays FROM popular_songs WHERE rank <= 10 ORDER BY rank;
CREATE OR REPLACE VIEW public.popular_songs AS
SELECT row_number() OVER (ORDER BY count(*) DESC, song_title COLLATE "C",
                                   artist_name COLLATE "C")::integer AS rank,
       song_title AS song,
       artist_name AS artist,
       count(*) AS plays,
       count(DISTINCT user_id) AS listeners
FROM public.songplays
GROUP BY song_title, artist_name;
COMMENT ON VIEW public.popular_songs IS
    'Q1: plays and listeners per song (title + artist as the event named them); rank 1 = most played.';
