-- Spark SQL. One row per file of this build: what it is (file_facts, from the listing), the
-- hash of its bytes and what became of its records, counted as the loader's FileStats counts
-- them: records read = rows + rejects; plays and other pages are the event rows (duplicates
-- are taken off in manifest.sql). A file Spark gave no bytes for is empty. Events of the days
-- a build did not parse (settled_events, settled_duplicates) count as read.
WITH events AS (
    SELECT file_idx, count(*) AS n, count_if({{is_play(page)}}) AS plays
    FROM (SELECT file_idx, page FROM parsed_events
          UNION ALL SELECT file_idx, page FROM settled_events
          UNION ALL SELECT file_idx, page FROM settled_duplicates) read
    GROUP BY file_idx
), songs AS (
    SELECT file_idx, count(*) AS n FROM parsed_songs GROUP BY file_idx
), rejects AS (
    SELECT file_idx, count(*) AS n FROM parse_rejects GROUP BY file_idx
)
SELECT f.*, coalesce(h.sha256, sha2(x'', 256)) AS sha256,
       coalesce(e.n, 0) + coalesce(s.n, 0) + coalesce(r.n, 0) AS records_read,
       coalesce(r.n, 0) AS rejected,
       coalesce(e.plays, 0) AS song_plays,
       coalesce(e.n - e.plays, 0) AS other_pages
FROM file_facts f
LEFT JOIN file_hashes h ON h.file_idx = f.file_idx
LEFT JOIN events e ON e.file_idx = f.file_idx
LEFT JOIN songs s ON s.file_idx = f.file_idx
LEFT JOIN rejects r ON r.file_idx = f.file_idx
