-- Natural keys held by more than one row (possible only where a key constraint was dropped).
-- One row per table that has any: how many keys, a few examples.
SELECT 'songplays' AS subject, count(*) AS total,
       (array_agg(format('session_id %s, item_in_session %s, start_time %s UTC: %s rows',
                         session_id, item_in_session, start_time AT TIME ZONE 'UTC', n)
                  ORDER BY session_id, item_in_session, start_time))[1:3] AS examples
FROM (SELECT session_id, item_in_session, start_time, count(*) AS n
      FROM public.songplays GROUP BY 1, 2, 3 HAVING count(*) > 1) d
HAVING count(*) > 0
UNION ALL
SELECT 'events', count(*),
       (array_agg(format('session_id %s, item_in_session %s, event_time %s UTC: %s rows',
                         session_id, item_in_session, event_time AT TIME ZONE 'UTC', n)
                  ORDER BY session_id, item_in_session, event_time))[1:3]
FROM (SELECT session_id, item_in_session, event_time, count(*) AS n
      FROM public.events GROUP BY 1, 2, 3 HAVING count(*) > 1) d
HAVING count(*) > 0
UNION ALL
SELECT 'users', count(*),
       (array_agg(format('user_id %s: %s rows', user_id, n) ORDER BY user_id))[1:3]
FROM (SELECT user_id, count(*) AS n FROM public.users GROUP BY 1 HAVING count(*) > 1) d
HAVING count(*) > 0
UNION ALL
SELECT 'songs', count(*),
       (array_agg(format('song_id %s: %s rows', song_id, n) ORDER BY song_id))[1:3]
FROM (SELECT song_id, count(*) AS n FROM public.songs GROUP BY 1 HAVING count(*) > 1) d
HAVING count(*) > 0
UNION ALL
SELECT 'artists', count(*),
       (array_agg(format('artist_id %s: %s rows', artist_id, n) ORDER BY artist_id))[1:3]
FROM (SELECT artist_id, count(*) AS n FROM public.artists GROUP BY 1 HAVING count(*) > 1) d
HAVING count(*) > 0
UNION ALL
SELECT 'time', count(*),
       (array_agg(format('start_time %s UTC: %s rows', start_time AT TIME ZONE 'UTC', n)
                  ORDER BY start_time))[1:3]
FROM (SELECT start_time, count(*) AS n FROM public.time GROUP BY 1 HAVING count(*) > 1) d
HAVING count(*) > 0;
