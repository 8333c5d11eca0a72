-- Start times of the batch's song plays, broken into parts in UTC.
INSERT INTO public.time (start_time, hour, day, week, month, year, weekday)
SELECT t, extract(hour FROM t AT TIME ZONE 'UTC'), extract(day FROM t AT TIME ZONE 'UTC'),
       extract(week FROM t AT TIME ZONE 'UTC'), extract(month FROM t AT TIME ZONE 'UTC'),
       extract(year FROM t AT TIME ZONE 'UTC'), extract(isodow FROM t AT TIME ZONE 'UTC')
FROM (
    SELECT DISTINCT timestamptz 'epoch' + ts * interval '1 millisecond' AS t
    FROM staging.events
    WHERE page = 'NextSong'
) plays
ON CONFLICT (start_time) DO NOTHING;
