-- time rows whose parts are not those of start_time in UTC, whatever the session's TimeZone
-- (the parts as rules.TIME_PARTS defines them: weekday ISO, 1 = Monday … 7 = Sunday; ISO week).
SELECT 'time' AS subject, count(*) AS total,
       (array_agg(format('%s UTC has hour %s, day %s, week %s, month %s, year %s, weekday %s',
                         t.u, t.hour, t.day, t.week, t.month, t.year, t.weekday)
                  ORDER BY t.u))[1:3] AS examples
FROM (SELECT start_time AT TIME ZONE 'UTC' AS u, hour, day, week, month, year, weekday
      FROM public.time) t
CROSS JOIN LATERAL (SELECT {{time_parts(t.u)}}) want
WHERE (t.hour, t.day, t.week, t.month, t.year, t.weekday)
      IS DISTINCT FROM (want.hour, want.day, want.week, want.month, want.year, want.weekday)
HAVING count(*) > 0;
