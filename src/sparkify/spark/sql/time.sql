-- Spark SQL. The start times of the kept song plays broken into parts in UTC (the session's
-- time zone is UTC), as insert_time.sql: weekday is ISO (Monday 1 .. Sunday 7), week the ISO
-- week.
SELECT start_time, hour(start_time) AS hour, day(start_time) AS day,
       weekofyear(start_time) AS week, month(start_time) AS month, year(start_time) AS year,
       (dayofweek(start_time) + 5) % 7 + 1 AS weekday
FROM (SELECT DISTINCT start_time FROM songplays) plays
