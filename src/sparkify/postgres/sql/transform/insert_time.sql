-- Start times of the batch's song plays, broken into parts in UTC (date_part on the UTC wall
-- clock: the same whatever the session's TimeZone, and cheaper than numeric extract()).
INSERT INTO public.time (start_time, hour, day, week, month, year, weekday)
SELECT t, {{time_parts(utc)}}
FROM (
    SELECT t, t AT TIME ZONE 'UTC' AS utc
    FROM (
        SELECT DISTINCT {{ms_to_timestamp(ts)}} AS t
        FROM staging.events
        WHERE {{is_play(page)}}
    ) plays
) parts
ON CONFLICT (start_time) DO NOTHING;
