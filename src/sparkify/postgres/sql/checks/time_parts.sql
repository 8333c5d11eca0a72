-- time rows whose parts are not those of start_time in UTC, whatever the session's TimeZone
-- (weekday: ISO, 1 = Monday … 7 = Sunday; week: ISO week).
SELECT 'time' AS subject, count(*) AS total,
       (array_agg(format('%s UTC has hour %s, day %s, week %s, month %s, year %s, weekday %s',
                         u, hour, day, week, month, year, weekday) ORDER BY u))[1:3] AS examples
FROM (SELECT start_time AT TIME ZONE 'UTC' AS u, hour, day, week, month, year, weekday
      FROM public.time) t
WHERE hour IS DISTINCT FROM extract(hour FROM u)
   OR day IS DISTINCT FROM extract(day FROM u)
   OR week IS DISTINCT FROM extract(week FROM u)
   OR month IS DISTINCT FROM extract(month FROM u)
   OR year IS DISTINCT FROM extract(year FROM u)
   OR weekday IS DISTINCT FROM extract(isodow FROM u)
HAVING count(*) > 0;
