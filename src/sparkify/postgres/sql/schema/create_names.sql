-- Names as people wrote them (core/names.py): the repaired form of every distinct name the
-- loads met that could be mis-encoded (non-ASCII text), beside the text as received. The star
-- and `events` keep the received text byte for byte; the views, the report and the song match
-- read names through this table, and a name absent from it (ASCII, or never loaded) reads
-- as is. Filled by the loader's transform (new_names.sql) or `lake publish`, never by SQL.
CREATE TABLE IF NOT EXISTS sparkify.names (
    verbatim  text PRIMARY KEY,
    repaired  text NOT NULL
);
-- the spellings of a repaired name: a catalog title finds the plays that named it mis-encoded
CREATE INDEX IF NOT EXISTS names_repaired_idx ON sparkify.names (repaired);

-- One name as people read it. For one value at a time (a row shown, the classic look-up);
-- set-based SQL joins sparkify.names instead.
CREATE OR REPLACE FUNCTION sparkify.repaired(verbatim text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT n.repaired FROM sparkify.names n WHERE n.verbatim = $1), $1)
$$;
