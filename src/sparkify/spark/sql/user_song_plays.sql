-- Spark SQL. Plays per user and song as the events named it, as the triggers of
-- create_user_song_plays.sql keep it; with the title and artist name repaired beside them.
-- A build that parses only some days counts the plays of the others as they were
-- (settled_songplays).
SELECT user_id, song_title, artist_name, count(*) AS plays,
       first(song_title_repaired) AS song_title_repaired,
       first(artist_name_repaired) AS artist_name_repaired
FROM (SELECT user_id, song_title, artist_name, song_title_repaired, artist_name_repaired
      FROM songplays
      UNION ALL
      SELECT user_id, song_title, artist_name, song_title_repaired, artist_name_repaired
      FROM settled_songplays) plays
GROUP BY user_id, song_title, artist_name
