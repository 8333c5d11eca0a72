-- Q9 Platform load: requests (events, all pages) per clock hour (UTC), with errors (HTTP
-- status >= 400) and logged-out requests. Hours without any request are absent.
-- Example: SELECT hour_start, requests, errors FROM requests_by_hour ORDER BY requests DESC LIMIT 5;
CREATE OR REPLACE VIEW public.requests_by_hour AS
SELECT date_trunc('hour', event_time AT TIME ZONE 'UTC') AS hour_start,
       count(*) AS requests,
       count(*) FILTER (WHERE status >= 400) AS errors,
       count(*) FILTER (WHERE auth = 'Logged Out') AS logged_out
FROM public.events
GROUP BY 1;
COMMENT ON VIEW public.requests_by_hour IS
    'Q9: requests, errors (status >= 400) and logged-out requests per UTC clock hour.';
