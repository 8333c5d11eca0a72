-- The manifest's totals next to the tables' row counts, for the checks' one-line summaries
-- and the share of rejected records.
SELECT count(*) AS files,
       coalesce(sum(records_read), 0) AS records_read,
       coalesce(sum(rejected), 0) AS rejected,
       coalesce(sum(records_loaded) FILTER (WHERE kind = 'log'), 0) AS events_loaded,
       coalesce(sum(song_plays) FILTER (WHERE kind = 'log'), 0) AS song_plays,
       coalesce(sum(records_loaded) FILTER (WHERE kind = 'song'), 0) AS song_records,
       (SELECT count(*) FROM public.events) AS events,
       (SELECT count(*) FROM public.songplays) AS songplays,
       (SELECT count(*) FROM sparkify.rejects) AS rejects,
       (SELECT count(*) FROM public.songs) AS songs,
       (SELECT count(*) FROM public.artists) AS artists
FROM sparkify.manifest;
