-- Spark SQL. Every parsed event with its file, `duplicate` when an event with the same
-- (sessionId, itemInSession, ts) comes earlier in load order (rules.EVENT_KEY): the first
-- loaded is kept, as the PostgreSQL loader keeps the row that got in first. Load order is the
-- files' path order, then the line.
SELECT e.*, f.path,
       row_number() OVER (PARTITION BY e.session_id, e.item_in_session, e.ts
                          ORDER BY f.path, e.line) > 1 AS duplicate
FROM parsed_events e
JOIN files f ON f.file_idx = e.file_idx
