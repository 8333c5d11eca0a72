INSERT INTO sparkify.rejects (file_id, path, line_number, raw, reason, reason_code)
SELECT f.file_id, f.path, r.line, r.raw, r.reason, r.reason_code
FROM staging.rejects r
JOIN staging.files f USING (file_idx)
ORDER BY r.file_idx, r.line;
