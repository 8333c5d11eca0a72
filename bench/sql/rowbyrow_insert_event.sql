-- One INSERT per event; an event already loaded (same session, item and time) is skipped.
INSERT INTO public.events
    (event_time, user_id, session_id, item_in_session, page, method, status, auth, level,
     first_name, last_name, gender, location, user_agent, registration, song, artist, length,
     source_file_id, source_line)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT ON CONSTRAINT events_natural_key DO NOTHING
