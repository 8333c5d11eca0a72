-- Q9 HTTP status mix: requests per status code (200 ok, 307 redirect after login, 404 error
-- page) and each one's share of all requests.
-- Example: SELECT status, requests, share FROM status_mix ORDER BY status;
CREATE OR REPLACE VIEW public.status_mix AS
SELECT status,
       count(*) AS requests,
       count(*)::double precision / sum(count(*)) OVER () AS share
FROM public.events
GROUP BY status;
COMMENT ON VIEW public.status_mix IS
    'Q9: requests per HTTP status code and its share of all requests.';
