-- Q1 Most popular songs: plays per song as the event named it (title + artist name, both
-- repaired: sparkify.names), so the answer does not depend on the song catalog (which matches
-- few plays). listeners = distinct users. rank: 1 = most played; ties broken by title, then
-- artist (byte order), so it is stable.
-- Counted per (title, artist) as received first, in the order of their index; a song the
-- logs spell more than one way (rare) has its listeners counted again across its spellings,
-- so that a user who played two spellings counts once (counting every song that way took
-- four times as long on 100x data).
-- Example: SELECT song, artist, plays FROM popular_songs WHERE rank <= 10 ORDER BY rank;
CREATE OR REPLACE VIEW public.popular_songs AS
WITH per_pair AS (
    SELECT song_title, artist_name, count(*) AS plays, count(DISTINCT user_id) AS listeners
    FROM public.songplays
    GROUP BY song_title, artist_name
), named AS MATERIALIZED (
    SELECT coalesce(nt.repaired, p.song_title) AS song,
           coalesce(na.repaired, p.artist_name) AS artist, p.song_title, p.artist_name,
           p.plays, p.listeners
    FROM per_pair p
    LEFT JOIN sparkify.names nt ON nt.verbatim = p.song_title
    LEFT JOIN sparkify.names na ON na.verbatim = p.artist_name
), per_song AS (
    SELECT song, artist, sum(plays)::bigint AS plays, sum(listeners)::bigint AS listeners,
           count(*) AS spellings
    FROM named
    GROUP BY song, artist
), respelled AS (              -- listeners of a song spelled several ways, each counted once
    SELECT n.song, n.artist, count(DISTINCT p.user_id) AS listeners
    FROM named n
    JOIN per_song s ON s.song = n.song AND s.artist = n.artist AND s.spellings > 1
    JOIN public.songplays p ON p.song_title = n.song_title AND p.artist_name = n.artist_name
    GROUP BY n.song, n.artist
)
SELECT row_number() OVER (ORDER BY s.plays DESC, s.song COLLATE "C",
                                   s.artist COLLATE "C")::integer AS rank,
       s.song,
       s.artist,
       s.plays,
       coalesce(r.listeners, s.listeners) AS listeners
FROM per_song s
LEFT JOIN respelled r ON r.song = s.song AND r.artist = s.artist;
COMMENT ON VIEW public.popular_songs IS
    'Q1: plays and listeners per song (title + artist as the event named them, repaired); rank 1 = most played.';
