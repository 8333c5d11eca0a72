-- Spark SQL. A user is as their latest kept event (rules.USER_LATEST), as insert_users.sql
-- and refresh_users.sql leave the warehouse.
SELECT user_id, first_name, last_name, gender, level, location,
       {{ms_to_timestamp(ts)}} AS last_seen_at
FROM (
    SELECT e.*, row_number() OVER (PARTITION BY e.user_id
                                   ORDER BY {{latest_users(e.ts, e.path, e.line)}}) AS rank
    FROM events_all e
    WHERE NOT e.duplicate AND e.user_id IS NOT NULL
) ranked
WHERE rank = 1
