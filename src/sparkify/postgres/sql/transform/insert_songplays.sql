-- Song plays of the batch. A play takes the song_id/artist_id of the catalog song with the same
-- title and artist name whose duration is within the match tolerance of the play's length
-- (the rule and its tie-break are rules.MATCH_TOLERANCE's). Titles and names are compared as
-- repaired (sparkify.names, core/names.py): a name the log mis-encoded still finds its song.
WITH catalog AS (
    SELECT so.song_id, so.artist_id, so.duration, coalesce(nt.repaired, so.title) AS title,
           coalesce(na.repaired, a.name) AS artist
    FROM public.songs so
    JOIN public.artists a ON a.artist_id = so.artist_id
    LEFT JOIN sparkify.names nt ON nt.verbatim = so.title
    LEFT JOIN sparkify.names na ON na.verbatim = a.name
), plays AS (
    SELECT e.file_idx, e.line, e.length, coalesce(nt.repaired, e.song) AS title,
           coalesce(na.repaired, e.artist) AS artist
    FROM staging.events e
    LEFT JOIN sparkify.names nt ON nt.verbatim = e.song
    LEFT JOIN sparkify.names na ON na.verbatim = e.artist
    WHERE e.page = 'NextSong'
), matches AS (
    SELECT DISTINCT ON (p.file_idx, p.line) p.file_idx, p.line, c.song_id, c.artist_id
    FROM plays p
    JOIN catalog c ON c.title = p.title AND c.artist = p.artist
    WHERE {{within_tolerance(c.duration, p.length)}}
    ORDER BY p.file_idx, p.line, {{closest_match(c.duration, p.length, c.song_id)}}
)
INSERT INTO public.songplays
    (start_time, user_id, level, song_id, artist_id, session_id, item_in_session, location,
     user_agent, song_title, artist_name, song_length, source_file_id, source_line)
SELECT timestamptz 'epoch' + e.ts * interval '1 millisecond', e.user_id, e.level, m.song_id,
       m.artist_id, e.session_id, e.item_in_session, e.location, e.user_agent, e.song, e.artist,
       e.length, f.file_id, e.line
FROM staging.events e
JOIN staging.files f USING (file_idx)
LEFT JOIN matches m USING (file_idx, line)
WHERE e.page = 'NextSong'
  -- a replay rejected as a duplicate is no play, even when the event it repeats is another page
  AND NOT EXISTS (SELECT 1 FROM staging.duplicates d
                  WHERE d.file_idx = e.file_idx AND d.line = e.line)
ORDER BY e.file_idx, e.line
ON CONFLICT ON CONSTRAINT songplays_natural_key DO NOTHING;
