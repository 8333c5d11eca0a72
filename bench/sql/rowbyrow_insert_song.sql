-- Tutorial: the first record of a song wins (DO NOTHING); see rowbyrow_insert_artist.sql.
INSERT INTO public.songs (song_id, title, artist_id, year, duration, source_path)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (song_id) DO NOTHING
