-- Artists of the batch's songs. Among several records of one artist the one from the file whose
-- path sorts last wins, in this batch and against earlier loads.
INSERT INTO public.artists AS a (artist_id, name, location, latitude, longitude, source_path)
SELECT DISTINCT ON (s.artist_id)
       s.artist_id, s.artist_name, s.artist_location, s.artist_latitude, s.artist_longitude, f.path
FROM staging.songs s
JOIN staging.files f USING (file_idx)
ORDER BY s.artist_id, {{latest_artists(f.path, s.line)}}
ON CONFLICT (artist_id) DO UPDATE SET
    name = excluded.name,
    location = excluded.location,
    latitude = excluded.latitude,
    longitude = excluded.longitude,
    source_path = excluded.source_path
WHERE excluded.source_path >= a.source_path;
