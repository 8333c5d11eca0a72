-- Artists of the batch's songs. Among several records of one artist the one from the file whose
-- path sorts last wins (rules.ARTIST_LATEST), in this batch and against earlier loads.
WITH records AS (
    SELECT s.artist_id, s.artist_name, s.artist_location, s.artist_latitude,
           s.artist_longitude, f.path, s.line
    FROM staging.songs s
    JOIN staging.files f USING (file_idx)
)
INSERT INTO public.artists AS a (artist_id, name, location, latitude, longitude, source_path)
SELECT artist_id, artist_name, artist_location, artist_latitude, artist_longitude, path
FROM {{latest(artists, records)}} AS latest
ON CONFLICT (artist_id) DO UPDATE SET
    name = excluded.name,
    location = excluded.location,
    latitude = excluded.latitude,
    longitude = excluded.longitude,
    source_path = excluded.source_path
WHERE excluded.source_path >= a.source_path;
