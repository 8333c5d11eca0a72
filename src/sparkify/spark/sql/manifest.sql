-- Spark SQL. One row per file: what it was and what became of its records. Duplicates count
-- as rejected records of their file, not as loaded ones (count_duplicates.sql). A file whose
-- records a build did not read again (settled_manifest: its song files, when none changed) is
-- as it was.
WITH duplicates AS (
    SELECT file_idx, count(*) AS n, count_if({{is_play(page)}}) AS plays
    FROM events_all
    WHERE duplicate
    GROUP BY file_idx
)
SELECT f.path, f.kind, f.size_bytes, f.mtime_ns, f.etag, f.sha256, f.records_read,
       f.records_read - f.rejected - coalesce(d.n, 0) AS records_loaded,
       f.song_plays - coalesce(d.plays, 0) AS song_plays,
       f.other_pages - (coalesce(d.n, 0) - coalesce(d.plays, 0)) AS other_pages,
       f.rejected + coalesce(d.n, 0) AS rejected
FROM files f
LEFT JOIN duplicates d ON d.file_idx = f.file_idx
LEFT ANTI JOIN settled_manifest s ON s.path = f.path
UNION ALL
SELECT path, kind, size_bytes, mtime_ns, etag, sha256, records_read, records_loaded,
       song_plays, other_pages, rejected
FROM settled_manifest
