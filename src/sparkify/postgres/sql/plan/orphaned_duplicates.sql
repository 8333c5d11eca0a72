-- Files holding a record rejected as a duplicate whose original is gone: the file that held
-- the original was reloaded without it. Reloading these files brings the event back.
WITH duplicates AS (
    SELECT path, sparkify.json_object_or_null(raw) AS record
    FROM sparkify.rejects
    WHERE reason_code = {{reject_code(duplicate)}}
)
SELECT DISTINCT d.path
FROM duplicates d
WHERE d.record IS NOT NULL
  AND NOT EXISTS (
      SELECT FROM public.events e
      WHERE e.session_id = (d.record ->> 'sessionId')::integer
        AND e.item_in_session = (d.record ->> 'itemInSession')::integer
        AND e.event_time = {{ms_to_timestamp((d.record ->> 'ts')::bigint)}})
ORDER BY d.path;
