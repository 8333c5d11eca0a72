-- Tutorial: one upsert per event, and the LAST ROW PROCESSED wins. That is the user's latest
-- event only when files and lines happen to be in ts order; the fast path orders by ts.
INSERT INTO public.users (user_id, first_name, last_name, gender, level, location, last_seen_at)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (user_id) DO UPDATE SET
    first_name = excluded.first_name,
    last_name = excluded.last_name,
    gender = excluded.gender,
    level = excluded.level,
    location = excluded.location,
    last_seen_at = excluded.last_seen_at
