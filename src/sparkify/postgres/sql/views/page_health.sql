-- Q9 Platform health by page: requests per page with the status mix (200/307/404 and other),
-- error rate (status >= 400) and logged-out share.
-- Example: SELECT page, requests, errors, error_rate FROM page_health ORDER BY requests DESC;
CREATE OR REPLACE VIEW public.page_health AS
SELECT page,
       count(*) AS requests,
       count(*) FILTER (WHERE status = 200) AS status_200,
       count(*) FILTER (WHERE status = 307) AS status_307,
       count(*) FILTER (WHERE status = 404) AS status_404,
       count(*) FILTER (WHERE status NOT IN (200, 307, 404)) AS status_other,
       count(*) FILTER (WHERE status >= 400) AS errors,
       (count(*) FILTER (WHERE status >= 400))::double precision / count(*) AS error_rate,
       (count(*) FILTER (WHERE auth = 'Logged Out'))::double precision / count(*)
           AS logged_out_share
FROM public.events
GROUP BY page;
COMMENT ON VIEW public.page_health IS
    'Q9: requests per page with status mix, error rate and logged-out share.';
