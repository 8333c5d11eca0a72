-- Spark SQL. Plays per user and song as the events named it, as the triggers of
-- create_user_song_plays.sql keep it; with the title and artist name repaired beside them.
SELECT user_id, song_title, artist_name, count(*) AS plays,
       first(song_title_repaired) AS song_title_repaired,
       first(artist_name_repaired) AS artist_name_repaired
FROM songplays
GROUP BY user_id, song_title, artist_name
