-- Whether each table has rows, and how much of its kind the manifest says was loaded: a table
-- should have rows when records of its kind were loaded (every table, when no file was loaded).
WITH loaded AS (
    SELECT count(*) AS files,
           coalesce(sum(records_loaded) FILTER (WHERE kind = 'song'), 0) AS song_records,
           coalesce(sum(records_loaded) FILTER (WHERE kind = 'log'), 0) AS events,
           coalesce(sum(song_plays) FILTER (WHERE kind = 'log'), 0) AS song_plays
    FROM sparkify.manifest
)
SELECT t.table_name, t.has_rows, loaded.files, t.expected, t.basis
FROM loaded, LATERAL (VALUES
    ('songplays', EXISTS (SELECT FROM public.songplays), loaded.song_plays, 'song plays'),
    ('time', EXISTS (SELECT FROM public.time), loaded.song_plays, 'song plays'),
    ('users', EXISTS (SELECT FROM public.users),
     (SELECT count(*) FROM (SELECT FROM public.events WHERE user_id IS NOT NULL LIMIT 1) AS e),
     'logged-in events'),
    ('songs', EXISTS (SELECT FROM public.songs), loaded.song_records, 'song records'),
    ('artists', EXISTS (SELECT FROM public.artists), loaded.song_records, 'song records'),
    ('events', EXISTS (SELECT FROM public.events), loaded.events, 'events')
) AS t (table_name, has_rows, expected, basis);
