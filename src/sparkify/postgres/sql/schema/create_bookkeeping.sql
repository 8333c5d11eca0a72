-- One row per file loaded: what it was (size, mtime, ETag, hash) and what became of its
-- records. `path` is the file's absolute path, or an object's URL (s3://bucket/key).
-- records_read = records_loaded + rejected, always.
CREATE TABLE IF NOT EXISTS sparkify.manifest (
    file_id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    path            text NOT NULL UNIQUE,
    kind            text NOT NULL CHECK (kind IN ('song', 'log')),
    size_bytes      bigint NOT NULL,
    mtime_ns        bigint NOT NULL,  -- a file's mtime; an object's last-modified time
    etag            text,             -- an object's ETag; NULL for a local file
    sha256          text NOT NULL,
    records_read    integer NOT NULL,
    records_loaded  integer NOT NULL,
    song_plays      integer NOT NULL DEFAULT 0,
    other_pages     integer NOT NULL DEFAULT 0,
    rejected        integer NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (records_read = records_loaded + rejected)
);
ALTER TABLE sparkify.manifest ADD COLUMN IF NOT EXISTS etag text;  -- made before object stores

-- Records that could not be loaded, with the reason; replaced when their file is reloaded.
CREATE TABLE IF NOT EXISTS sparkify.rejects (
    reject_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id      integer NOT NULL REFERENCES sparkify.manifest (file_id) ON DELETE CASCADE,
    path         text NOT NULL,
    line_number  integer NOT NULL,
    raw          text NOT NULL,
    reason       text NOT NULL,
    reason_code  text NOT NULL,  -- records.RejectCode: what code and SQL match on
    rejected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rejects_file_idx ON sparkify.rejects (file_id);

-- Databases made before reject codes existed: add the column and give their rows one. This is
-- the one place that reads a reason's text, and only of rows written before the codes.
ALTER TABLE sparkify.rejects ADD COLUMN IF NOT EXISTS reason_code text;
UPDATE sparkify.rejects
SET reason_code = CASE WHEN reason = {{reject_reason(duplicate)}} THEN {{reject_code(duplicate)}}
                       ELSE {{reject_code(legacy)}} END
WHERE reason_code IS NULL;
ALTER TABLE sparkify.rejects ALTER COLUMN reason_code SET NOT NULL;

-- A reject's raw line as a JSON object, or NULL when it is not one (broken JSON, an array, a
-- text jsonb cannot hold). `raw IS JSON OBJECT` says the same from PostgreSQL 16 on; this
-- works on 15 too.
CREATE OR REPLACE FUNCTION sparkify.json_object_or_null(raw text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN CASE WHEN jsonb_typeof(raw::jsonb) = 'object' THEN raw::jsonb END;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$;
