-- Q4 Distribution of plays per user in doubling buckets [low, high]: 1, 2-3, 4-7, 8-15, ...
-- so it reads the same on a month of a small sample and on a large data set. Only users with
-- plays; empty buckets between are absent.
-- Example: SELECT low, high, users FROM plays_per_user_distribution ORDER BY low;
CREATE OR REPLACE VIEW public.plays_per_user_distribution AS
WITH buckets AS (
    SELECT floor(log(2, plays::numeric))::integer AS k FROM public.plays_per_user
)
SELECT (2 ^ k)::bigint AS low, (2 ^ (k + 1))::bigint - 1 AS high, count(*) AS users
FROM buckets
GROUP BY k;
COMMENT ON VIEW public.plays_per_user_distribution IS
    'Q4: users per plays-per-user bucket [low, high], buckets doubling (1, 2-3, 4-7, ...).';
