-- After a batch of songs: recompute the match of every play the batch can change, so that the
-- result is the one a load from nothing gives. Those are the plays unmatched so far whose title
-- is a title of the batch (songs that arrive after their plays), the plays matched to a song or
-- artist of the batch (a changed file can change a duration or a name), and the plays whose
-- song a reloaded file dropped (listed by forget_files.sql). Same rule as insert_songplays.sql
-- (song_match and closest_match: core/rules.py, written in by core/sqltext.py).
CREATE TEMP TABLE IF NOT EXISTS unmatched_plays (songplay_id bigint) ON COMMIT DROP;

WITH touched AS (
    SELECT p.songplay_id, p.song_title, p.artist_name, p.song_length
    FROM public.songplays p
    WHERE (p.song_id IS NULL AND p.song_title IN (SELECT title FROM staging.songs))
       OR p.song_id IN (SELECT song_id FROM staging.songs)
       OR p.artist_id IN (SELECT artist_id FROM staging.songs)
       OR p.songplay_id IN (SELECT songplay_id FROM unmatched_plays)
), best AS (
    SELECT DISTINCT ON (t.songplay_id) t.songplay_id, so.song_id, so.artist_id
    FROM touched t, public.songs so, public.artists a
    WHERE {{song_match(so, a, t.song_title, t.artist_name, t.song_length)}}
    ORDER BY t.songplay_id, {{closest_match(so, t.song_length)}}
)
UPDATE public.songplays p
SET song_id = b.song_id, artist_id = b.artist_id
FROM touched t
LEFT JOIN best b USING (songplay_id)
WHERE p.songplay_id = t.songplay_id
  AND (p.song_id, p.artist_id) IS DISTINCT FROM (b.song_id, b.artist_id);
