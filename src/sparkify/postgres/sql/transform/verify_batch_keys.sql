-- The loader inserts with session_replication_role = replica when it may (the per-row foreign
-- key triggers cost more than the rest of the insert); this set-based check stands in for
-- them, in the same transaction, before commit. It counts the batch's references that point
-- nowhere: a play's user or start time, a song's artist. (A play's song_id and artist_id come
-- from a join with songs and artists in the same transaction, under the load lock.)
-- Start times are looked up only within the batch's own span, through time's key: a check
-- against the whole table would make each batch cost more as the table grows.
WITH plays AS MATERIALIZED (
    SELECT e.user_id, {{ms_to_timestamp(e.ts)}} AS start_time
    FROM staging.events e
    WHERE {{is_play(e.page)}}
      AND NOT EXISTS (SELECT 1 FROM staging.duplicates d
                      WHERE d.file_idx = e.file_idx AND d.line = e.line)
), span AS (
    SELECT min(start_time) AS first, max(start_time) AS last FROM plays
)
SELECT
    (SELECT count(*) FROM plays p
     WHERE NOT EXISTS (SELECT 1 FROM public.users u WHERE u.user_id = p.user_id)
        OR NOT EXISTS (SELECT 1 FROM public.time t, span
                       WHERE t.start_time = p.start_time
                         AND t.start_time BETWEEN span.first AND span.last))
  + (SELECT count(*) FROM staging.songs s
     WHERE NOT EXISTS (SELECT 1 FROM public.artists a WHERE a.artist_id = s.artist_id))
    AS broken_references;
