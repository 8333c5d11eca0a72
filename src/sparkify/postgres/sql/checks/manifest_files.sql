-- Files whose manifest counts disagree with the tables. Duplicates and reloads are already
-- accounted for in the manifest (a duplicate is a rejected record of its file; a reloaded
-- file's counts replace its old ones), so per file: events = records loaded, songplays = song
-- plays, rejects rows = rejected. Rows citing a file the manifest does not know count too.
WITH ev AS (SELECT source_file_id AS file_id, count(*) AS n FROM public.events GROUP BY 1),
     sp AS (SELECT source_file_id AS file_id, count(*) AS n FROM public.songplays GROUP BY 1),
     rj AS (SELECT file_id, count(*) AS n FROM sparkify.rejects GROUP BY 1),
     logs AS (SELECT file_id, path, records_loaded, song_plays, rejected
              FROM sparkify.manifest WHERE kind = 'log'),
     facts AS (
         SELECT 'events' AS subject, coalesce(m.path, format('file_id %s (not in the manifest)', ev.file_id)) AS path,
                coalesce(m.records_loaded, 0) AS expected, coalesce(ev.n, 0) AS actual
         FROM logs m FULL JOIN ev USING (file_id)
         UNION ALL
         SELECT 'songplays', coalesce(m.path, format('file_id %s (not in the manifest)', sp.file_id)),
                coalesce(m.song_plays, 0), coalesce(sp.n, 0)
         FROM logs m FULL JOIN sp USING (file_id)
         UNION ALL
         SELECT 'rejects', coalesce(m.path, format('file_id %s (not in the manifest)', rj.file_id)),
                coalesce(m.rejected, 0), coalesce(rj.n, 0)
         FROM sparkify.manifest m FULL JOIN rj USING (file_id)
     )
SELECT subject, count(*) AS total,
       (array_agg(format('%s: manifest says %s, %s holds %s', path, expected, subject, actual)
                  ORDER BY path))[1:3] AS examples
FROM facts
WHERE expected <> actual
GROUP BY subject;
