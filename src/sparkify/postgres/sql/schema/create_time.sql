-- Every song-play start time broken into parts, computed in UTC whatever the session's TimeZone.
-- weekday: ISO, 1 = Monday … 7 = Sunday; week: ISO week number.
CREATE TABLE IF NOT EXISTS public.time (
    start_time  timestamptz PRIMARY KEY,
    hour        smallint NOT NULL CHECK (hour BETWEEN 0 AND 23),
    day         smallint NOT NULL CHECK (day BETWEEN 1 AND 31),
    week        smallint NOT NULL CHECK (week BETWEEN 1 AND 53),
    month       smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    year        smallint NOT NULL,
    weekday     smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7)
);
