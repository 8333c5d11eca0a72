-- Spark SQL. A user is as their latest kept event (rules.USER_LATEST), as insert_users.sql
-- and refresh_users.sql leave the warehouse.
SELECT user_id, first_name, last_name, gender, level, location,
       {{ms_to_timestamp(ts)}} AS last_seen_at,
       -- as people read them (the view `names`, spark/names.py)
       coalesce(nf.repaired, first_name) AS first_name_repaired,
       coalesce(nl.repaired, last_name) AS last_name_repaired,
       coalesce(nc.repaired, location) AS location_repaired
FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.user_id
                                   ORDER BY {{latest_users(e.ts, e.path, e.line)}}) AS rank
    FROM events_all e
    WHERE NOT e.duplicate AND e.user_id IS NOT NULL
) ranked
LEFT JOIN names nf ON nf.verbatim = ranked.first_name
LEFT JOIN names nl ON nl.verbatim = ranked.last_name
LEFT JOIN names nc ON nc.verbatim = ranked.location
WHERE rank = 1
