-- Spark SQL. Plays per user and song as the events named it, as the triggers of
-- create_user_song_plays.sql keep it.
SELECT user_id, song_title, artist_name, count(*) AS plays
FROM songplays
GROUP BY user_id, song_title, artist_name
