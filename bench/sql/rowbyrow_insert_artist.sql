-- Tutorial: the first record of an artist wins (DO NOTHING). The fast path keeps the record of
-- the file whose path sorts last, so the two differ when song files disagree about an artist.
INSERT INTO public.artists (artist_id, name, location, latitude, longitude, source_path)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (artist_id) DO NOTHING
