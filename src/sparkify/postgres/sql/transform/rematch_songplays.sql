-- After a batch of songs: recompute the match of every play the batch can change, so that the
-- result is the one a load from nothing gives. Those are the plays unmatched so far whose title
-- is a title of the batch (songs that arrive after their plays), the plays matched to a song or
-- artist of the batch (a changed file can change a duration or a name), and the plays whose
-- song a reloaded file dropped (listed by forget_files.sql). Same rule as insert_songplays.sql:
-- title and artist name equal as repaired (sparkify.names), length within the match
-- tolerance, the closest winning.
CREATE TEMP TABLE IF NOT EXISTS unmatched_plays (songplay_id bigint) ON COMMIT DROP;

WITH batch_titles AS (
    SELECT coalesce(n.repaired, s.title) AS title
    FROM staging.songs s
    LEFT JOIN sparkify.names n ON n.verbatim = s.title
), play_titles AS (            -- each spelling a play may give them: as is, or mis-encoded
    SELECT title FROM batch_titles
    UNION
    SELECT n.verbatim FROM sparkify.names n JOIN batch_titles b ON b.title = n.repaired
), touched AS (
    SELECT p.songplay_id, p.song_length, coalesce(nt.repaired, p.song_title) AS title,
           coalesce(na.repaired, p.artist_name) AS artist
    FROM public.songplays p
    LEFT JOIN sparkify.names nt ON nt.verbatim = p.song_title
    LEFT JOIN sparkify.names na ON na.verbatim = p.artist_name
    WHERE (p.song_id IS NULL AND p.song_title IN (SELECT title FROM play_titles))
       OR p.song_id IN (SELECT song_id FROM staging.songs)
       OR p.artist_id IN (SELECT artist_id FROM staging.songs)
       OR p.songplay_id IN (SELECT songplay_id FROM unmatched_plays)
), catalog AS (
    {{repaired_catalog()}}
), best AS (
    SELECT DISTINCT ON (t.songplay_id) t.songplay_id, c.song_id, c.artist_id
    FROM touched t
    JOIN catalog c
      ON {{song_match(c.title, c.artist, c.duration, t.title, t.artist, t.song_length)}}
    ORDER BY t.songplay_id, {{closest_match(c.duration, t.song_length, c.song_id)}}
)
UPDATE public.songplays p
SET song_id = b.song_id, artist_id = b.artist_id
FROM touched t
LEFT JOIN best b USING (songplay_id)
WHERE p.songplay_id = t.songplay_id
  AND (p.song_id, p.artist_id) IS DISTINCT FROM (b.song_id, b.artist_id);
