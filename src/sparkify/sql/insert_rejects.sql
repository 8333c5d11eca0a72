INSERT INTO sparkify.rejects (file_id, path, line_number, raw, reason)
SELECT f.file_id, f.path, r.line, r.raw, r.reason
FROM staging.rejects r
JOIN staging.files f USING (file_idx)
ORDER BY r.file_idx, r.line;
