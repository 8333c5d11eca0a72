-- Songs and artists that no loaded song file accounts for: a source_path the manifest does not
-- hold as a song file, or more rows than the song records loaded (a song_id or artist_id seen
-- in several files makes fewer rows, never more).
WITH song_files AS (SELECT path FROM sparkify.manifest WHERE kind = 'song'),
     loaded AS (SELECT coalesce(sum(records_loaded), 0) AS n
                FROM sparkify.manifest WHERE kind = 'song'),
     unknown AS (
         SELECT 'songs' AS subject, format('song_id %s from %s', song_id, source_path) AS example
         FROM public.songs WHERE source_path NOT IN (SELECT path FROM song_files)
         UNION ALL
         SELECT 'artists', format('artist_id %s from %s', artist_id, source_path)
         FROM public.artists WHERE source_path NOT IN (SELECT path FROM song_files)
         UNION ALL
         SELECT 'songs', format('songs holds %s rows, the manifest loaded %s song records',
                                (SELECT count(*) FROM public.songs), loaded.n)
         FROM loaded WHERE (SELECT count(*) FROM public.songs) > loaded.n
         UNION ALL
         SELECT 'artists', format('artists holds %s rows, the manifest loaded %s song records',
                                  (SELECT count(*) FROM public.artists), loaded.n)
         FROM loaded WHERE (SELECT count(*) FROM public.artists) > loaded.n
     )
SELECT subject, count(*) AS total, (array_agg(example ORDER BY example))[1:3] AS examples
FROM unknown
GROUP BY subject;
