-- Spark SQL. A user is as their latest kept event (rules.USER_LATEST), as insert_users.sql
-- and refresh_users.sql leave the warehouse. A build that parses only some days weighs the
-- users as they were on the others (settled_users: their latest event there, as a row of kept).
WITH kept AS (
    SELECT user_id, first_name, last_name, gender, level, location, ts, path, line
    FROM events_all WHERE NOT duplicate AND user_id IS NOT NULL
    UNION ALL
    SELECT user_id, first_name, last_name, gender, level, location, ts, path, line
    FROM settled_users
)
SELECT user_id, first_name, last_name, gender, level, location,
       {{ms_to_timestamp(ts)}} AS last_seen_at,
       -- as people read them (the view `names`, spark/names.py)
       coalesce(nf.repaired, first_name) AS first_name_repaired,
       coalesce(nl.repaired, last_name) AS last_name_repaired,
       coalesce(nc.repaired, location) AS location_repaired
FROM {{latest(users, kept)}} AS latest
LEFT JOIN names nf ON nf.verbatim = latest.first_name
LEFT JOIN names nl ON nl.verbatim = latest.last_name
LEFT JOIN names nc ON nc.verbatim = latest.location
