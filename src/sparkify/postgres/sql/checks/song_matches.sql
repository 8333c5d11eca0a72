-- Song plays given a song_id whose song does not fit them: a different title, artist or
-- artist name (compared as repaired, sparkify.names, as the loader matches), or a duration
-- outside the match tolerance of the play's length (the loader's rule).
SELECT 'songplays.song_id' AS subject, count(*) AS total,
       (array_agg(format('songplay_id %s (%s by %s, %s s) got song_id %s (%s by %s, %s s)',
                         p.songplay_id, p.song_title, p.artist_name, p.song_length, p.song_id,
                         s.title, a.name, s.duration) ORDER BY p.songplay_id))[1:3] AS examples
FROM public.songplays p
LEFT JOIN public.songs s ON s.song_id = p.song_id
LEFT JOIN public.artists a ON a.artist_id = s.artist_id
WHERE p.song_id IS NOT NULL
  AND (s.song_id IS NULL
       OR (s.title IS DISTINCT FROM p.song_title  -- the look-up only where spellings differ
           AND sparkify.repaired(s.title) IS DISTINCT FROM sparkify.repaired(p.song_title))
       OR (a.name IS DISTINCT FROM p.artist_name
           AND sparkify.repaired(a.name) IS DISTINCT FROM sparkify.repaired(p.artist_name))
       OR p.artist_id IS DISTINCT FROM s.artist_id
       OR NOT {{within_tolerance(s.duration, p.song_length)}})
HAVING count(*) > 0;
