-- Q9 Platform health in one row: requests, errors (status >= 400) and error rate, logged-out
-- requests and their share. Rates are 0 when there are no requests.
-- Example: SELECT error_rate, logged_out_share FROM platform_health;
CREATE OR REPLACE VIEW public.platform_health AS
SELECT count(*) AS requests,
       count(*) FILTER (WHERE status >= 400) AS errors,
       coalesce((count(*) FILTER (WHERE status >= 400))::double precision
                / NULLIF(count(*), 0), 0) AS error_rate,
       count(*) FILTER (WHERE auth = 'Logged Out') AS logged_out,
       coalesce((count(*) FILTER (WHERE auth = 'Logged Out'))::double precision
                / NULLIF(count(*), 0), 0) AS logged_out_share
FROM public.events;
COMMENT ON VIEW public.platform_health IS
    'Q9: requests, errors, error rate, logged-out requests and share, over all events.';
