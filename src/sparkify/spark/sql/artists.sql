-- Spark SQL. One row per artist_id, from the record of the file whose path sorts last
-- (rules.ARTIST_LATEST), as insert_artists.sql.
WITH records AS (
    SELECT s.*, f.path
    FROM parsed_songs s
    JOIN file_facts f ON f.file_idx = s.file_idx
)
SELECT artist_id, artist_name AS name, artist_location AS location,
       artist_latitude AS latitude, artist_longitude AS longitude, path AS source_path
FROM {{latest(artists, records)}} AS latest
