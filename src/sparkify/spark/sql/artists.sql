-- Spark SQL. One row per artist_id, from the record of the file whose path sorts last
-- (rules.ARTIST_LATEST), as insert_artists.sql.
SELECT artist_id, artist_name AS name, artist_location AS location,
       artist_latitude AS latitude, artist_longitude AS longitude, path AS source_path
FROM (
    SELECT s.*, f.path,
           row_number() OVER (PARTITION BY s.artist_id
                              ORDER BY {{latest_artists(f.path, s.line)}}) AS rank
    FROM parsed_songs s
    JOIN files f ON f.file_idx = s.file_idx
) ranked
WHERE rank = 1
