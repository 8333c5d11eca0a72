-- One row per song_id; `year` is 0 when the catalog does not know it (kept as received).
CREATE TABLE IF NOT EXISTS public.songs (
    song_id      text PRIMARY KEY,
    title        text NOT NULL,
    artist_id    text NOT NULL REFERENCES public.artists (artist_id),
    year         integer NOT NULL,
    duration     double precision NOT NULL CHECK (duration >= 0),
    source_path  text NOT NULL
);
-- song matching joins plays to songs on the title
CREATE INDEX IF NOT EXISTS songs_title_idx ON public.songs (title);
