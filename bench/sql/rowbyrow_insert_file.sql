-- The tutorial keeps no manifest; this row exists only so that facts get a source_file_id
-- comparable with the fast path's (compared through the path). Counts are set at the end of the
-- file (rowbyrow_file_counts.sql); the content hash is not computed.
INSERT INTO sparkify.manifest
    (path, kind, size_bytes, mtime_ns, sha256, records_read, records_loaded, rejected)
VALUES (%s, %s, %s, %s, '', 0, 0, 0)
RETURNING file_id
