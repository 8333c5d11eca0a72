-- The files (or objects) found under the data root (COPY-ed in by the loader, in path order), and those of
-- them to load, cut into batches. Temporary: they belong to one load's session. Held in the
-- database rather than in Python, so a load's memory does not grow with the number of files.
CREATE TEMP TABLE found (
    ord         integer PRIMARY KEY,  -- songs first, then logs, each by path
    path        text NOT NULL,
    kind        text NOT NULL,
    size_bytes  bigint NOT NULL,
    mtime_ns    bigint NOT NULL,  -- a file's mtime; an object's last-modified time
    etag        text,             -- an object's ETag (NULL for a local file)
    selected    boolean NOT NULL  -- within the load's file filter (LoadOptions.select)
);

CREATE TEMP TABLE todo (
    batch       integer NOT NULL,
    ord         integer PRIMARY KEY,
    path        text NOT NULL,
    kind        text NOT NULL,
    size_bytes  bigint NOT NULL,
    mtime_ns    bigint NOT NULL,
    etag        text,
    reloaded    boolean NOT NULL  -- replaces an earlier version of the file
);
