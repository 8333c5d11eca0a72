-- Song plays of the batch. A play takes the song_id/artist_id of the catalog song with the same
-- title and artist name whose duration is within the match tolerance of the play's length
-- (the rule and its tie-break are rules.MATCH_TOLERANCE's). Titles and names are compared as
-- repaired (sparkify.names, core/names.py): a name the log mis-encoded still finds its song.
-- The plays are joined on the text as received; the catalog side, a few thousand rows, is
-- what changes: each song under every spelling of its title and artist name the loads met
-- (as people read them, and each mis-encoded form in sparkify.names). Measured at K=100 (a
-- batch of 60,000 plays): repairing every play's names before the join took 2 to 2.5 times
-- the old join's time, this way about the same; a merge join here sorts every play by its
-- names, a hash join on the small catalog side does not (1.5 times faster), hence the setting.
SET LOCAL enable_mergejoin = off;
WITH catalog AS (
    {{repaired_catalog()}}
), titled AS (                 -- the title as people read it, and its mis-encoded forms
    SELECT c.song_id, c.artist_id, c.duration, c.title AS spelled, c.artist FROM catalog c
    UNION ALL
    SELECT c.song_id, c.artist_id, c.duration, n.verbatim, c.artist
    FROM catalog c JOIN sparkify.names n ON n.repaired = c.title AND n.verbatim <> c.title
), spelled AS (                -- and the same for the artist name
    SELECT t.song_id, t.artist_id, t.duration, t.spelled AS title, t.artist FROM titled t
    UNION ALL
    SELECT t.song_id, t.artist_id, t.duration, t.spelled, n.verbatim
    FROM titled t JOIN sparkify.names n ON n.repaired = t.artist AND n.verbatim <> t.artist
), matches AS (
    SELECT DISTINCT ON (e.file_idx, e.line) e.file_idx, e.line, c.song_id, c.artist_id
    FROM staging.events e
    JOIN spelled c ON {{song_match(c.title, c.artist, c.duration, e.song, e.artist, e.length)}}
    WHERE {{is_play(e.page)}}
    ORDER BY e.file_idx, e.line, {{closest_match(c.duration, e.length, c.song_id)}}
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
RESET enable_mergejoin;
