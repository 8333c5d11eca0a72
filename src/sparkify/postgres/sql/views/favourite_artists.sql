-- Q5 Shared taste: for each artist, how many users have it as their most played artist
-- (user_top_artists rank 1), with those users' plays of it.
-- Example: SELECT artist, users FROM favourite_artists ORDER BY users DESC, artist LIMIT 10;
CREATE OR REPLACE VIEW public.favourite_artists AS
SELECT artist, count(*) AS users, sum(plays)::bigint AS plays
FROM public.user_top_artists
WHERE rank = 1
GROUP BY artist;
COMMENT ON VIEW public.favourite_artists IS
    'Q5: users whose most played artist is this one, and their plays of it.';
