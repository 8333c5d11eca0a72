-- A changed file is reloaded whole: first remove what its previous version put in the facts.
-- Users and time rows are repaired afterwards (repair_after_reload.sql).
CREATE TEMP TABLE IF NOT EXISTS forgotten_users (user_id integer) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS forgotten_times (start_time timestamptz) ON COMMIT DROP;

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
INSERT INTO forgotten_users SELECT DISTINCT user_id FROM gone WHERE user_id IS NOT NULL;

DELETE FROM sparkify.rejects
WHERE file_id IN (SELECT file_id FROM staging.files WHERE reloaded);
