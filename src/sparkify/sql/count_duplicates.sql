-- Duplicates count as rejected records of their file, not as loaded ones.
UPDATE sparkify.manifest m
SET rejected = m.rejected + d.n,
    records_loaded = m.records_loaded - d.n,
    song_plays = m.song_plays - d.plays,
    other_pages = m.other_pages - (d.n - d.plays)
FROM (
    SELECT f.file_id, count(*) AS n, count(*) FILTER (WHERE d.page = 'NextSong') AS plays
    FROM staging.duplicates d JOIN staging.files f USING (file_idx)
    GROUP BY f.file_id
) d
WHERE m.file_id = d.file_id;
