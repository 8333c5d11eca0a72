-- The fact: one row per NextSong event. song_id/artist_id are NULL when the play matches no
-- catalog song; what the event said (title, artist name, length) is kept either way.
CREATE TABLE IF NOT EXISTS public.songplays (
    songplay_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    start_time       timestamptz NOT NULL REFERENCES public.time (start_time),
    user_id          integer NOT NULL REFERENCES public.users (user_id),
    level            text NOT NULL,
    song_id          text REFERENCES public.songs (song_id),
    artist_id        text REFERENCES public.artists (artist_id),
    session_id       integer NOT NULL,
    item_in_session  integer NOT NULL,
    location         text,
    user_agent       text,
    song_title       text NOT NULL,
    artist_name      text NOT NULL,
    song_length      double precision NOT NULL,
    source_file_id   integer NOT NULL,
    source_line      integer NOT NULL,
    -- an event replayed from another file can never become a second play
    CONSTRAINT songplays_natural_key UNIQUE (session_id, item_in_session, start_time)
);
