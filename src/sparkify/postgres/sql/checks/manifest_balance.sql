-- Files whose counts do not add up: read = loaded + rejected for every file, and for a log
-- file loaded = song plays + other pages.
SELECT 'manifest' AS subject, count(*) AS total,
       (array_agg(format('%s: read %s, loaded %s, rejected %s, song plays %s, other pages %s',
                         path, records_read, records_loaded, rejected, song_plays, other_pages)
                  ORDER BY path))[1:3] AS examples
FROM sparkify.manifest
WHERE records_read IS DISTINCT FROM records_loaded + rejected
   OR (kind = 'log' AND records_loaded IS DISTINCT FROM song_plays + other_pages)
HAVING count(*) > 0;
