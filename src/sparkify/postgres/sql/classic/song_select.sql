-- The classic look-up of one play's song, given (title, artist name, length): the catalog song
-- with that title and artist whose duration is within the match tolerance of the length, closest first
-- (rules.MATCH_TOLERANCE).
WITH play AS (SELECT %s::text AS title, %s::text AS artist_name, %s::float8 AS length)
SELECT so.song_id, so.artist_id
FROM play
JOIN public.songs so ON so.title = play.title
JOIN public.artists a ON a.artist_id = so.artist_id AND a.name = play.artist_name
WHERE {{within_tolerance(so.duration, play.length)}}
ORDER BY {{closest_match(so.duration, play.length, so.song_id)}}
LIMIT 1
