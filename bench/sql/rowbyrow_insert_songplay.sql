-- One INSERT per song play; a play already loaded (same session, item and time) is skipped.
INSERT INTO public.songplays
    (start_time, user_id, level, song_id, artist_id, session_id, item_in_session, location,
     user_agent, song_title, artist_name, song_length, source_file_id, source_line)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT ON CONSTRAINT songplays_natural_key DO NOTHING
