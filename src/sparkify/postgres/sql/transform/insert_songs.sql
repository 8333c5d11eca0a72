-- Songs of the batch; the same rule as artists settles a song_id seen in several files.
INSERT INTO public.songs AS so (song_id, title, artist_id, year, duration, source_path)
SELECT DISTINCT ON (s.song_id)
       s.song_id, s.title, s.artist_id, s.year, s.duration, f.path
FROM staging.songs s
JOIN staging.files f USING (file_idx)
ORDER BY s.song_id, {{latest_songs(f.path, s.line)}}
ON CONFLICT (song_id) DO UPDATE SET
    title = excluded.title,
    artist_id = excluded.artist_id,
    year = excluded.year,
    duration = excluded.duration,
    source_path = excluded.source_path
WHERE excluded.source_path >= so.source_path;
