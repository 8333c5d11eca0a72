-- The classic look-up of one play's song, given (title, artist name, length): the catalog song
-- with that title and artist whose duration is within the match tolerance of the length, closest first
-- (rules.MATCH_TOLERANCE).
WITH play AS (SELECT %s::text AS title, %s::text AS artist_name, %s::float8 AS length)
SELECT so.song_id, so.artist_id
FROM play, public.songs so, public.artists a
WHERE {{song_match(so, a, play.title, play.artist_name, play.length)}}
ORDER BY {{closest_match(so, play.length)}}
LIMIT 1
