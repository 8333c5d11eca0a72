-- Spark SQL. One row per song_id: the record from the file whose path sorts last
-- (rules.SONG_LATEST), as insert_songs.sql.
WITH records AS (
    SELECT s.*, f.path
    FROM parsed_songs s
    JOIN file_facts f ON f.file_idx = s.file_idx
)
SELECT song_id, title, artist_id, year, duration, path AS source_path
FROM {{latest(songs, records)}} AS latest
