-- The classic song_select, one round trip per song play: equality on a float. It matches only
-- when the play's length and the song's duration are the very same double; a length that
-- differs in the last digit (or a REAL column, as in many tutorial schemas) never matches.
-- No ORDER BY: among several matches, whichever row comes first.
SELECT songs.song_id, songs.artist_id
FROM public.songs
JOIN public.artists ON songs.artist_id = artists.artist_id
WHERE songs.title = %s AND artists.name = %s AND songs.duration = %s
