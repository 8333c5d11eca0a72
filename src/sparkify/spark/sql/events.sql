-- Spark SQL. Every kept event (all pages), as insert_events.sql.
SELECT {{ms_to_timestamp(ts)}} AS event_time, user_id, session_id, item_in_session, page, method,
       status, auth, level, first_name, last_name, gender, location, user_agent, registration,
       song, artist, length, path AS source_path, line AS source_line,
       year({{ms_to_timestamp(ts)}}) AS year, month({{ms_to_timestamp(ts)}}) AS month,
       day({{ms_to_timestamp(ts)}}) AS day
FROM events_all
WHERE NOT duplicate
