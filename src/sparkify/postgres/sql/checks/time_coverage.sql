-- Song plays whose start_time has no row in time (the join every time-of-day query relies on).
SELECT 'songplays.start_time' AS subject, count(*) AS total,
       (array_agg(format('songplay_id %s at %s UTC', p.songplay_id, p.start_time AT TIME ZONE 'UTC')
                  ORDER BY p.songplay_id))[1:3] AS examples
FROM public.songplays p
WHERE NOT EXISTS (SELECT FROM public.time t WHERE t.start_time = p.start_time)
HAVING count(*) > 0;
