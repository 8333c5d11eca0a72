-- Every event of the batch; one already loaded (same session, item and time) is skipped and
-- then reported as a duplicate (find_duplicates.sql).
INSERT INTO public.events
    (event_time, user_id, session_id, item_in_session, page, method, status, auth, level,
     first_name, last_name, gender, location, user_agent, registration, song, artist, length,
     source_file_id, source_line)
SELECT {{ms_to_timestamp(e.ts)}}, e.user_id, e.session_id,
       e.item_in_session, e.page, e.method, e.status, e.auth, e.level, e.first_name, e.last_name,
       e.gender, e.location, e.user_agent, e.registration, e.song, e.artist, e.length,
       f.file_id, e.line
FROM staging.events e
JOIN staging.files f USING (file_idx)
ORDER BY e.file_idx, e.line
ON CONFLICT ON CONSTRAINT events_natural_key DO NOTHING;
