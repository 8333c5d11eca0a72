-- Songs of the batch; the same rule as artists settles a song_id seen in several files.
WITH records AS (
    SELECT s.song_id, s.title, s.artist_id, s.year, s.duration, f.path, s.line
    FROM staging.songs s
    JOIN staging.files f USING (file_idx)
)
INSERT INTO public.songs AS so (song_id, title, artist_id, year, duration, source_path)
SELECT song_id, title, artist_id, year, duration, path
FROM {{latest(songs, records)}} AS latest
ON CONFLICT (song_id) DO UPDATE SET
    title = excluded.title,
    artist_id = excluded.artist_id,
    year = excluded.year,
    duration = excluded.duration,
    source_path = excluded.source_path
WHERE excluded.source_path >= so.source_path;
