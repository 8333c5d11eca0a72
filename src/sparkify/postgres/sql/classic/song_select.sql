-- The classic look-up of one play's song, given (title, artist name, length): the catalog song
-- with that title and artist whose duration is within the match tolerance of the length, closest first
-- (rules.MATCH_TOLERANCE). Title and artist are compared as repaired (sparkify.names): the
-- catalog's titles that match are the play's repaired title and its known spellings.
WITH play AS (
    SELECT sparkify.repaired(%s::text) AS title, sparkify.repaired(%s::text) AS artist_name,
           %s::float8 AS length
), titles AS (
    SELECT title FROM play
    UNION
    SELECT n.verbatim FROM sparkify.names n JOIN play ON n.repaired = play.title
)
SELECT so.song_id, so.artist_id
FROM play
JOIN public.songs so ON so.title IN (SELECT title FROM titles)
JOIN public.artists a ON a.artist_id = so.artist_id
WHERE {{song_match(sparkify.repaired(so.title), sparkify.repaired(a.name), so.duration,
                  play.title, play.artist_name, play.length)}}
ORDER BY {{closest_match(so.duration, play.length, so.song_id)}}
LIMIT 1
