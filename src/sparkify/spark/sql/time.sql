-- Spark SQL. The start times of the kept song plays broken into parts in UTC (the session's
-- time zone is UTC), as insert_time.sql (rules.TIME_PARTS).
SELECT start_time, {{time_parts(start_time)}}
FROM (SELECT DISTINCT start_time FROM songplays) plays
