-- Spark SQL. Every parsed event with its file, `duplicate` when an event with the same
-- (sessionId, itemInSession, ts) comes earlier in load order (rules.EVENT_KEY): the first
-- loaded is kept, as the PostgreSQL loader keeps the row that got in first. Load order is the
-- files' path order, then the line. The key holds the time, so duplicates are of one day: a
-- build that parses only some days (spark/build.py) lists the other days' duplicates as they
-- were (settled_duplicates), for the manifest's counts and the rejects.
SELECT e.*, f.path,
       row_number() OVER (PARTITION BY e.session_id, e.item_in_session, e.ts
                          ORDER BY f.path, e.line) > 1 AS duplicate
FROM parsed_events e
JOIN file_facts f ON f.file_idx = e.file_idx
UNION ALL
SELECT e.*, f.path, true AS duplicate
FROM settled_duplicates e
JOIN file_facts f ON f.file_idx = e.file_idx
