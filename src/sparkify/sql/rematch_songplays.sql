-- Songs that arrive after their plays: give unmatched plays the ids of the batch's songs.
-- Same rule as insert_songplays.sql: title and artist name equal, length within 0.01 s,
-- the closest length (then the smallest song_id) winning.
UPDATE public.songplays p
SET song_id = m.song_id, artist_id = m.artist_id
FROM (
    SELECT DISTINCT ON (p.songplay_id) p.songplay_id, so.song_id, so.artist_id
    FROM public.songplays p
    JOIN public.songs so ON so.title = p.song_title
    JOIN public.artists a ON a.artist_id = so.artist_id AND a.name = p.artist_name
    WHERE p.song_id IS NULL
      AND so.song_id IN (SELECT song_id FROM staging.songs)
      AND abs(so.duration - p.song_length) <= 0.01
    ORDER BY p.songplay_id, abs(so.duration - p.song_length), so.song_id
) m
WHERE p.songplay_id = m.songplay_id;
