-- Spark SQL. Plays per user and song as the events named it, as the triggers of
-- create_user_song_plays.sql keep it; with the title and artist name repaired beside them, as
-- songplays.sql repairs them (the view `names`, spark/names.py), joined once per row counted
-- rather than carried through the count. The plays are the kept NextSong events, as
-- songplays.sql takes them, read from events_all rather than songplays: the count needs no
-- song matched, so it is written while songplays is still being worked out. A build that
-- parses only some days counts the plays of the others as they were (settled_songplays).
WITH counted AS (
    SELECT user_id, song_title, artist_name, count(*) AS plays
    FROM (SELECT user_id, song AS song_title, artist AS artist_name FROM events_all
          WHERE {{is_play(page)}} AND NOT duplicate
          UNION ALL
          SELECT user_id, song_title, artist_name FROM settled_songplays) plays
    GROUP BY user_id, song_title, artist_name
)
SELECT c.user_id, c.song_title, c.artist_name, c.plays,
       coalesce(nt.repaired, c.song_title) AS song_title_repaired,
       coalesce(na.repaired, c.artist_name) AS artist_name_repaired
FROM counted c
LEFT JOIN names nt ON nt.verbatim = c.song_title
LEFT JOIN names na ON na.verbatim = c.artist_name
