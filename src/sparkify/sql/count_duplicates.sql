-- Duplicates count as rejected records of their file, not as loaded ones.
UPDATE sparkify.manifest m
SET rejected = m.rejected + d.n,
    records_loaded = m.records_loaded - d.n,
    song_plays = m.song_plays - d.plays,
    other_pages = m.other_pages - (d.n - d.plays)
FROM (
    SELECT f.file_id, count(*) AS n, count(*) FILTER (WHERE d.page = 'NextSong') AS plays
    FROM staging.duplicates d JOIN staging.files f USING (file_idx)
    GROUP BY f.file_id
) d
WHERE m.file_id = d.file_id;

-- A duplicate leaves no trace in the star. insert_users.sql and insert_time.sql ran before the
-- duplicates were known: the users they name take their attributes again from the events kept
-- (insert_events.sql has run), and a start time no kept song play has goes.
WITH touched AS (
    SELECT DISTINCT s.user_id
    FROM staging.duplicates d JOIN staging.events s USING (file_idx, line)
    WHERE s.user_id IS NOT NULL
)
INSERT INTO public.users AS u (user_id, first_name, last_name, gender, level, location, last_seen_at)
SELECT DISTINCT ON (e.user_id)
       e.user_id, e.first_name, e.last_name, e.gender, e.level, e.location, e.event_time
FROM public.events e
JOIN sparkify.manifest m ON m.file_id = e.source_file_id
WHERE e.user_id IN (SELECT user_id FROM touched)
ORDER BY e.user_id, e.event_time DESC, m.path DESC, e.source_line DESC
ON CONFLICT (user_id) DO UPDATE SET
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    location = excluded.location,
    last_seen_at = excluded.last_seen_at;

DELETE FROM public.users u
WHERE u.user_id IN (SELECT s.user_id FROM staging.duplicates d
                    JOIN staging.events s USING (file_idx, line))
  AND NOT EXISTS (SELECT 1 FROM public.events e WHERE e.user_id = u.user_id);

DELETE FROM public.time t
WHERE t.start_time IN (SELECT timestamptz 'epoch' + s.ts * interval '1 millisecond'
                       FROM staging.duplicates d JOIN staging.events s USING (file_idx, line)
                       WHERE d.page = 'NextSong')
  AND NOT EXISTS (SELECT 1 FROM public.events e
                  WHERE e.event_time = t.start_time AND e.page = 'NextSong');
