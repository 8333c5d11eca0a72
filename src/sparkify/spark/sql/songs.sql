-- Spark SQL. One row per song_id: the record from the file whose path sorts last
-- (rules.SONG_LATEST), as insert_songs.sql.
SELECT song_id, title, artist_id, year, duration, path AS source_path
FROM (
    SELECT s.*, f.path,
           row_number() OVER (PARTITION BY s.song_id
                              ORDER BY {{latest_songs(f.path, s.line)}}) AS rank
    FROM parsed_songs s
    JOIN files f ON f.file_idx = s.file_idx
) ranked
WHERE rank = 1
