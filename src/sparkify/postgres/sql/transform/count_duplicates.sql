-- Duplicates count as rejected records of their file, not as loaded ones.
UPDATE sparkify.manifest m
SET rejected = m.rejected + d.n,
    records_loaded = m.records_loaded - d.n,
    song_plays = m.song_plays - d.plays,
    other_pages = m.other_pages - (d.n - d.plays)
FROM (
    SELECT f.file_id, count(*) AS n, count(*) FILTER (WHERE {{is_play(d.page)}}) AS plays
    FROM staging.duplicates d JOIN staging.files f USING (file_idx)
    GROUP BY f.file_id
) d
WHERE m.file_id = d.file_id;

-- A duplicate leaves no trace in the star. insert_users.sql and insert_time.sql ran before the
-- duplicates were known: the users they name are refreshed from the events kept
-- (refresh_users.sql), and a start time no kept song play has goes.
CREATE TEMP TABLE IF NOT EXISTS users_to_refresh (user_id integer) ON COMMIT DROP;
INSERT INTO users_to_refresh
SELECT DISTINCT s.user_id
FROM staging.duplicates d JOIN staging.events s USING (file_idx, line)
WHERE s.user_id IS NOT NULL;

DELETE FROM public.time t
WHERE t.start_time IN (SELECT {{ms_to_timestamp(s.ts)}}
                       FROM staging.duplicates d JOIN staging.events s USING (file_idx, line)
                       WHERE {{is_play(d.page)}})
  AND NOT EXISTS (SELECT 1 FROM public.events e
                  WHERE e.event_time = t.start_time AND {{is_play(e.page)}});
