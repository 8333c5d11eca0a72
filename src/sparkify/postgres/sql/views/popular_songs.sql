-- Q1 Most popular songs: plays per song as the event named it (title + artist name, both
-- repaired: sparkify.names), so the answer does not depend on the song catalog (which matches
-- few plays). listeners = distinct users. rank: 1 = most played; ties broken by title, then
-- artist (byte order), so it is stable.
-- Example: SELECT song, artist, plays FROM popular_songs WHERE rank <= 10 ORDER BY rank;
CREATE OR REPLACE VIEW public.popular_songs AS
WITH per_user AS (             -- in the (title, artist, user) index's order
    SELECT song_title, artist_name, user_id, count(*) AS plays
    FROM public.songplays
    GROUP BY song_title, artist_name, user_id
), named AS (
    SELECT coalesce(nt.repaired, p.song_title) AS song,
           coalesce(na.repaired, p.artist_name) AS artist, p.user_id, p.plays
    FROM per_user p
    LEFT JOIN sparkify.names nt ON nt.verbatim = p.song_title
    LEFT JOIN sparkify.names na ON na.verbatim = p.artist_name
)
SELECT row_number() OVER (ORDER BY sum(plays) DESC, song COLLATE "C",
                                   artist COLLATE "C")::integer AS rank,
       song,
       artist,
       sum(plays)::bigint AS plays,
       count(DISTINCT user_id) AS listeners
FROM named
GROUP BY song, artist;
COMMENT ON VIEW public.popular_songs IS
    'Q1: plays and listeners per song (title + artist as the event named them, repaired); rank 1 = most played.';
