-- Record the batch's files in the manifest (new path: new row; changed file: same file_id, new
-- facts), then let staging rows find their file_id.
INSERT INTO sparkify.manifest AS m
    (path, kind, size_bytes, mtime_ns, etag, sha256, records_read, records_loaded, song_plays,
     other_pages, rejected)
SELECT path, kind, size_bytes, mtime_ns, etag, sha256, records_read, records_read - rejected,
       song_plays, other_pages, rejected
FROM staging.files
ORDER BY file_idx
ON CONFLICT (path) DO UPDATE SET
    kind = excluded.kind,
    size_bytes = excluded.size_bytes,
    mtime_ns = excluded.mtime_ns,
    etag = excluded.etag,
    sha256 = excluded.sha256,
    records_read = excluded.records_read,
    records_loaded = excluded.records_loaded,
    song_plays = excluded.song_plays,
    other_pages = excluded.other_pages,
    rejected = excluded.rejected,
    loaded_at = now();

UPDATE staging.files f SET file_id = m.file_id
FROM sparkify.manifest m
WHERE m.path = f.path;
