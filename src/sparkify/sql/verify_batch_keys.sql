-- The loader inserts with session_replication_role = replica when it may (the per-row foreign
-- key triggers cost more than the rest of the insert); this set-based check stands in for
-- them, in the same transaction, before commit. It counts the batch's references that point
-- nowhere: a play's user or start time, a song's artist. (A play's song_id and artist_id come
-- from a join with songs and artists in the same transaction, under the load lock.)
SELECT
    (SELECT count(*) FROM staging.events e
     WHERE e.page = 'NextSong'
       AND NOT EXISTS (SELECT 1 FROM staging.duplicates d
                       WHERE d.file_idx = e.file_idx AND d.line = e.line)
       AND (NOT EXISTS (SELECT 1 FROM public.users u WHERE u.user_id = e.user_id)
            OR NOT EXISTS (SELECT 1 FROM public.time t
                           WHERE t.start_time = timestamptz 'epoch' + e.ts * interval '1 millisecond')))
  + (SELECT count(*) FROM staging.songs s
     WHERE NOT EXISTS (SELECT 1 FROM public.artists a WHERE a.artist_id = s.artist_id))
    AS broken_references;
