-- (user, song) pairs whose count in user_song_plays is not the number of their song plays:
-- the counts are kept by triggers, and this finds any drift (a trigger disabled, say).
WITH counted AS (
    SELECT user_id, song_title, artist_name, count(*) AS plays
    FROM public.songplays
    GROUP BY user_id, song_title, artist_name
)
SELECT 'user_song_plays' AS subject, count(*) AS total,
       (array_agg(format('user_id %s, %s by %s: %s counted, %s plays', user_id, song_title,
                         artist_name, coalesce(k.plays, 0), coalesce(c.plays, 0))
                  ORDER BY user_id, song_title, artist_name))[1:3] AS examples
FROM public.user_song_plays k
FULL JOIN counted c USING (user_id, song_title, artist_name)
WHERE k.plays IS DISTINCT FROM c.plays
HAVING count(*) > 0;
