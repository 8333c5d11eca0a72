-- Files holding a record rejected as a duplicate whose original is gone: the file that held
-- the original was reloaded without it. Reloading these files brings the event back.
SELECT DISTINCT r.path
FROM sparkify.rejects r
WHERE r.reason_code = {{reject_code(duplicate)}}
  AND r.raw IS JSON OBJECT
  AND NOT EXISTS (
      SELECT FROM public.events e
      WHERE e.session_id = (r.raw::jsonb ->> 'sessionId')::integer
        AND e.item_in_session = (r.raw::jsonb ->> 'itemInSession')::integer
        AND e.event_time = timestamptz 'epoch'
                           + (r.raw::jsonb ->> 'ts')::bigint * interval '1 millisecond')
ORDER BY r.path;
