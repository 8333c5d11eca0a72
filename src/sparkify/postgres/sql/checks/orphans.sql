-- References that name no row (possible only where a foreign key was dropped or never existed,
-- as for events.user_id). One row per reference that has orphans: how many, a few examples.
-- songplays.start_time is covered by time_coverage.sql.
SELECT 'songplays.user_id' AS subject, count(*) AS total,
       (array_agg(format('songplay_id %s has user_id %s', p.songplay_id, p.user_id)
                  ORDER BY p.songplay_id))[1:3] AS examples
FROM public.songplays p
WHERE NOT EXISTS (SELECT FROM public.users u WHERE u.user_id = p.user_id)
HAVING count(*) > 0
UNION ALL
SELECT 'songplays.song_id', count(*),
       (array_agg(format('songplay_id %s has song_id %s', p.songplay_id, p.song_id)
                  ORDER BY p.songplay_id))[1:3]
FROM public.songplays p
WHERE p.song_id IS NOT NULL
  AND NOT EXISTS (SELECT FROM public.songs s WHERE s.song_id = p.song_id)
HAVING count(*) > 0
UNION ALL
SELECT 'songplays.artist_id', count(*),
       (array_agg(format('songplay_id %s has artist_id %s', p.songplay_id, p.artist_id)
                  ORDER BY p.songplay_id))[1:3]
FROM public.songplays p
WHERE p.artist_id IS NOT NULL
  AND NOT EXISTS (SELECT FROM public.artists a WHERE a.artist_id = p.artist_id)
HAVING count(*) > 0
UNION ALL
SELECT 'songs.artist_id', count(*),
       (array_agg(format('song_id %s has artist_id %s', s.song_id, s.artist_id)
                  ORDER BY s.song_id))[1:3]
FROM public.songs s
WHERE NOT EXISTS (SELECT FROM public.artists a WHERE a.artist_id = s.artist_id)
HAVING count(*) > 0
UNION ALL
SELECT 'events.user_id', count(*),
       (array_agg(format('user_id %s (%s events)', e.user_id, e.n) ORDER BY e.user_id))[1:3]
FROM (
    SELECT user_id, count(*) AS n FROM public.events WHERE user_id IS NOT NULL GROUP BY user_id
) e
WHERE NOT EXISTS (SELECT FROM public.users u WHERE u.user_id = e.user_id)
HAVING count(*) > 0;
