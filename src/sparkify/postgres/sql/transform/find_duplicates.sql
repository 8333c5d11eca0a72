-- Staged events that were not inserted because an event with the same natural key was already
-- there (from an earlier file, or earlier in this batch).
INSERT INTO staging.duplicates (file_idx, line, page)
SELECT s.file_idx, s.line, s.page
FROM staging.events s
JOIN staging.files f USING (file_idx)
JOIN public.events e
  ON e.session_id = s.session_id
 AND e.item_in_session = s.item_in_session
 AND e.event_time = {{ms_to_timestamp(s.ts)}}
WHERE (e.source_file_id, e.source_line) <> (f.file_id, s.line);
