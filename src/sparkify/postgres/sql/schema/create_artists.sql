-- One row per artist_id. When song files disagree about an artist, the record from the file
-- whose path sorts last wins, so the result does not depend on load order.
CREATE TABLE IF NOT EXISTS public.artists (
    artist_id    text PRIMARY KEY,
    name         text NOT NULL,
    location     text,
    latitude     double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude    double precision CHECK (longitude BETWEEN -180 AND 180),
    source_path  text NOT NULL
);
