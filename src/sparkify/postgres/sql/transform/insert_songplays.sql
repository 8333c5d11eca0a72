-- Song plays of the batch. A play takes the song_id/artist_id of the catalog song with the same
-- title and artist name whose duration is within the match tolerance of the play's length
-- (the rule and its tie-break are rules.MATCH_TOLERANCE's).
WITH matches AS (
    SELECT DISTINCT ON (e.file_idx, e.line) e.file_idx, e.line, so.song_id, so.artist_id
    FROM staging.events e, public.songs so, public.artists a
    WHERE {{is_play(e.page)}} AND {{song_match(so, a, e.song, e.artist, e.length)}}
    ORDER BY e.file_idx, e.line, {{closest_match(so, e.length)}}
)
INSERT INTO public.songplays
    (start_time, user_id, level, song_id, artist_id, session_id, item_in_session, location,
     user_agent, song_title, artist_name, song_length, source_file_id, source_line)
SELECT {{ms_to_timestamp(e.ts)}}, e.user_id, e.level, m.song_id,
       m.artist_id, e.session_id, e.item_in_session, e.location, e.user_agent, e.song, e.artist,
       e.length, f.file_id, e.line
FROM staging.events e
JOIN staging.files f USING (file_idx)
LEFT JOIN matches m USING (file_idx, line)
WHERE {{is_play(e.page)}}
  -- a replay rejected as a duplicate is no play, even when the event it repeats is another page
  AND NOT EXISTS (SELECT 1 FROM staging.duplicates d
                  WHERE d.file_idx = e.file_idx AND d.line = e.line)
ORDER BY e.file_idx, e.line
ON CONFLICT ON CONSTRAINT songplays_natural_key DO NOTHING;
