-- A changed file is reloaded whole: first remove what its previous version put in the star.
-- Users and time rows are repaired afterwards (repair_after_reload.sql); plays whose song goes
-- are matched again (rematch_songplays.sql).
CREATE TEMP TABLE IF NOT EXISTS users_to_refresh (user_id integer) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS forgotten_times (start_time timestamptz) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS unmatched_plays (songplay_id bigint) ON COMMIT DROP;

WITH gone AS (
    DELETE FROM public.songplays
    WHERE source_file_id IN (SELECT file_id FROM staging.files WHERE reloaded)
    RETURNING start_time
)
INSERT INTO forgotten_times SELECT DISTINCT start_time FROM gone;

WITH gone AS (
    DELETE FROM public.events
    WHERE source_file_id IN (SELECT file_id FROM staging.files WHERE reloaded)
    RETURNING user_id
)
INSERT INTO users_to_refresh SELECT DISTINCT user_id FROM gone WHERE user_id IS NOT NULL;

DELETE FROM sparkify.rejects
WHERE file_id IN (SELECT file_id FROM staging.files WHERE reloaded);

-- Songs a reloaded song file held and holds no more: their plays lose the match, then they go.
-- (A song the new version still holds is updated in place by insert_songs.sql.)
CREATE TEMP TABLE IF NOT EXISTS dropped_songs (song_id text) ON COMMIT DROP;
INSERT INTO dropped_songs
SELECT so.song_id FROM public.songs so
WHERE so.source_path IN (SELECT path FROM staging.files WHERE reloaded AND kind = 'song')
  AND so.song_id NOT IN (SELECT song_id FROM staging.songs);

WITH unmatched AS (
    UPDATE public.songplays SET song_id = NULL, artist_id = NULL
    WHERE song_id IN (SELECT song_id FROM dropped_songs)
    RETURNING songplay_id
)
INSERT INTO unmatched_plays SELECT songplay_id FROM unmatched;

DELETE FROM public.songs WHERE song_id IN (SELECT song_id FROM dropped_songs);

-- Artists the file held and holds no more, once no song or play names them.
DELETE FROM public.artists a
WHERE a.source_path IN (SELECT path FROM staging.files WHERE reloaded AND kind = 'song')
  AND a.artist_id NOT IN (SELECT artist_id FROM staging.songs)
  AND NOT EXISTS (SELECT 1 FROM public.songs so WHERE so.artist_id = a.artist_id)
  AND NOT EXISTS (SELECT 1 FROM public.songplays p WHERE p.artist_id = a.artist_id);
