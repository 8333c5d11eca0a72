-- Scratch space for one batch: filled by COPY, emptied at the start of every batch. UNLOGGED
-- because its content is rebuilt from the files whenever it is lost. Autovacuum stays off
-- them: an ANALYZE it ran halfway through a COPY gave the transform statistics of a near-empty
-- table, and a nested-loop plan took a K=1000 batch from 15 s to 10 minutes. The stager
-- analyzes each batch itself once it is copied (stage.py).
CREATE UNLOGGED TABLE IF NOT EXISTS staging.files (
    file_idx      integer PRIMARY KEY,
    path          text NOT NULL,
    kind          text NOT NULL,
    size_bytes    bigint NOT NULL,
    mtime_ns      bigint NOT NULL,
    etag          text,
    sha256        text NOT NULL,
    records_read  integer NOT NULL,
    rejected      integer NOT NULL,
    song_plays    integer NOT NULL,
    other_pages   integer NOT NULL,
    reloaded      boolean NOT NULL,   -- the manifest knew this path: replace its facts
    file_id       integer             -- set from the manifest by register_files.sql
);
ALTER TABLE staging.files ADD COLUMN IF NOT EXISTS etag text;
CREATE UNLOGGED TABLE IF NOT EXISTS staging.songs (
    file_idx          integer NOT NULL,
    line              integer NOT NULL,
    song_id           text NOT NULL,
    title             text NOT NULL,
    artist_id         text NOT NULL,
    artist_name       text NOT NULL,
    artist_location   text,
    artist_latitude   double precision,
    artist_longitude  double precision,
    duration          double precision NOT NULL,
    year              integer NOT NULL
);
CREATE UNLOGGED TABLE IF NOT EXISTS staging.events (
    file_idx         integer NOT NULL,
    line             integer NOT NULL,
    ts               bigint NOT NULL,
    user_id          integer,
    session_id       integer NOT NULL,
    item_in_session  integer NOT NULL,
    page             text NOT NULL,
    method           text NOT NULL,
    status           integer NOT NULL,
    auth             text NOT NULL,
    level            text NOT NULL,
    first_name       text,
    last_name        text,
    gender           text,
    location         text,
    user_agent       text,
    registration     double precision,
    song             text,
    artist           text,
    length           double precision
);
CREATE UNLOGGED TABLE IF NOT EXISTS staging.rejects (
    file_idx  integer NOT NULL,
    line      integer NOT NULL,
    raw       text NOT NULL,
    reason    text NOT NULL,
    reason_code text NOT NULL
);
ALTER TABLE staging.rejects ADD COLUMN IF NOT EXISTS reason_code text;
CREATE UNLOGGED TABLE IF NOT EXISTS staging.duplicates (
    file_idx  integer NOT NULL,
    line      integer NOT NULL,
    page      text NOT NULL
);

ALTER TABLE staging.files SET (autovacuum_enabled = false);
ALTER TABLE staging.songs SET (autovacuum_enabled = false);
ALTER TABLE staging.events SET (autovacuum_enabled = false);
ALTER TABLE staging.rejects SET (autovacuum_enabled = false);
ALTER TABLE staging.duplicates SET (autovacuum_enabled = false);
