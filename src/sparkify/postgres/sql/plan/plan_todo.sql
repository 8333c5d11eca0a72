-- Selected files new or changed since the manifest (or, given paths, exactly those found
-- files, selected or not: a reload's orphaned duplicates may be anywhere), cut
-- into batches. Unchanged: the same size and the same ETag (an object), or, without an ETag
-- (a local file), the same mtime. Batches are consecutive files of one kind; a
-- new batch starts where the bytes before a file cross a multiple of batch_bytes or its rank
-- a multiple of batch_files, so a batch holds about batch_bytes (one more file at
-- most) and never more than batch_files files.
INSERT INTO todo (batch, ord, path, kind, size_bytes, mtime_ns, etag, reloaded)
SELECT dense_rank() OVER (ORDER BY kind_rank, bytes_chunk, files_chunk),
       ord, path, kind, size_bytes, mtime_ns, etag, reloaded
FROM (
    SELECT f.ord, f.path, f.kind, f.size_bytes, f.mtime_ns, f.etag,
           m.path IS NOT NULL AS reloaded,
           min(f.ord) OVER (PARTITION BY f.kind) AS kind_rank,
           floor((sum(f.size_bytes) OVER w - f.size_bytes) / %(batch_bytes)s) AS bytes_chunk,
           (row_number() OVER w - 1) / %(batch_files)s AS files_chunk
    FROM found f
    LEFT JOIN sparkify.manifest m ON m.path = f.path
    WHERE CASE WHEN %(paths)s::text[] IS NULL
               THEN f.selected AND (m.path IS NULL OR m.size_bytes <> f.size_bytes
                    OR NOT coalesce(m.etag = f.etag, m.mtime_ns = f.mtime_ns))
               ELSE f.path = ANY (%(paths)s::text[]) END
    WINDOW w AS (PARTITION BY f.kind ORDER BY f.ord)
) new_or_changed;
