-- Records rejected as duplicates whose original (same sessionId, itemInSession and ts) is not
-- in events: the file that held the original was reloaded without it, and the event is lost.
-- The reject's raw line is the duplicate's JSON; a raw line that is not JSON finds nothing.
WITH duplicates AS (
    SELECT path, line_number,
           sparkify.json_object_or_null(raw) AS record
    FROM sparkify.rejects
    WHERE reason_code = {{reject_code(duplicate)}}
)
SELECT 'rejects.duplicates' AS subject, count(*) AS total,
       (array_agg(d.path || ':' || d.line_number ORDER BY d.path, d.line_number))[1:3]
           AS examples
FROM duplicates d
WHERE NOT EXISTS (
    SELECT FROM public.events e
    WHERE e.session_id = (d.record ->> 'sessionId')::integer
      AND e.item_in_session = (d.record ->> 'itemInSession')::integer
      AND e.event_time = {{ms_to_timestamp((d.record ->> 'ts')::bigint)}}
)
HAVING count(*) > 0;
