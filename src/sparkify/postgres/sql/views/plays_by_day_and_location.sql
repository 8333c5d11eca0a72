-- Q3 Trend by location: song plays per UTC day, metro area and principal state, from the
-- location the event carried at play time (a user who moves counts where they were).
-- Plays are counted per (day, location) first, so the location is parsed once per group,
-- not once per play; a mis-encoded location reads repaired (sparkify.names).
-- Example: SELECT day, state, sum(plays) FROM plays_by_day_and_location GROUP BY 1, 2 ORDER BY 1, 2;
CREATE OR REPLACE VIEW public.plays_by_day_and_location AS
WITH per_location AS (
    SELECT (start_time AT TIME ZONE 'UTC')::date AS day, location, count(*) AS plays
    FROM public.songplays
    GROUP BY 1, 2
)
SELECT day,
       public.location_metro(coalesce(n.repaired, p.location)) AS metro_area,
       public.location_state(coalesce(n.repaired, p.location)) AS state,
       sum(plays)::bigint AS plays
FROM per_location p
LEFT JOIN sparkify.names n ON n.verbatim = p.location
GROUP BY 1, 2, 3;
COMMENT ON VIEW public.plays_by_day_and_location IS
    'Q3: song plays per UTC day, metro area and principal state (location at play time).';
