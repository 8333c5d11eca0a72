-- Every user seen with a userId in any event; attributes from the user's latest event by ts.
CREATE TABLE IF NOT EXISTS public.users (
    user_id       integer PRIMARY KEY,
    first_name    text,
    last_name     text,
    gender        text,
    level         text NOT NULL,
    location      text,
    last_seen_at  timestamptz NOT NULL
);
